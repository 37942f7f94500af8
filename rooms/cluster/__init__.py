"""Many processes serving one event: nodes, their heartbeats, and who owns each session.

Pure rules in :mod:`rooms.cluster.nodes` and :mod:`rooms.cluster.placement`; the Redis
tables that hold them, shared by every node, in :mod:`rooms.cluster.table`.
"""
