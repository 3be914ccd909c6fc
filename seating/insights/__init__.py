"""The manager's insights page: waits, no-shows, walk-aways, table use and turn times over a
period of the visit history. ``queries`` aggregates, ``charts`` draws, ``views`` serves."""
