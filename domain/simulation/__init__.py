"""The pure half of the simulator: the restaurants and crowds it plays (``scenarios``), the
diners of one night (``crowd``), what other products would have quoted (``baselines``) and
how quotes are scored (``scoring``). The half that drives the real queue is
``seating.simulation``."""
