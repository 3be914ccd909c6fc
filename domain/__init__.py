"""The restaurant's rules and forecasts as plain Python: who gets a free table (strategies),
how long a party will wait (estimator, turn model), and the simulated nights that check it.

Nothing here imports Django, Redis or the apps (an import-linter contract in pyproject.toml
checks it), so all of it can be tested and simulated alone. The apps turn their data into
these frozen values and back.
"""
