"""The event: people, sessions, registration, support, lightning talks, planning helpers, app shell."""
