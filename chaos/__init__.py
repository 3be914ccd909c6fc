"""`make chaos`: faults on a running system, then a check of every invariant (see __main__)."""
