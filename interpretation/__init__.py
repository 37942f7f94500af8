"""Interpretation: language channels, booths, the roster planner."""
