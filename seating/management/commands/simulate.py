import contextlib
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from domain.simulation import scenarios
from domain.simulation.conditions import OCCUPIED, TABLE_OUT_MODES, Conditions, burst_hour
from seating import simulation
from waitlist import embedded_valkey
from waitlist.redis_client import reset_redis


class Command(BaseCommand):
    help = ("Simulate nights at a virtual restaurant through the real queue and seating code, and "
            "compare the wait quotes with the actual waits and with three baselines. Nothing stays "
            "behind: the run is one database transaction, rolled back, on a Valkey server of its own "
            "that stops with it.")

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--scenario", default="smoke", help=", ".join(scenarios.SCENARIOS))
        parser.add_argument("--nights", type=int, default=None,
                            help="Nights to measure (default: the scenario's).")
        parser.add_argument("--history", type=int, default=None,
                            help="Nights simulated before, to build the visit history (default: the scenario's).")
        parser.add_argument("--timing", action="store_true", help="Also print how long it took (not deterministic).")
        night = parser.add_argument_group("measured nights unlike the history")
        night.add_argument("--meal-factor", type=float, default=1.0,
                           help="Meals last this many times as long as the scenario's (1.3: 30%% longer).")
        night.add_argument("--burst", type=float, default=0.0, metavar="SHARE",
                           help="This share (0 to 1) of one hour's parties arrive within --burst-minutes.")
        night.add_argument("--burst-minutes", type=float, default=15.0)
        night.add_argument("--burst-hour", type=int, default=None,
                           help="Hours after opening (default: the busiest hour).")
        night.add_argument("--table-out", default=None, metavar="LABEL", help="A table out of service (T1, C3, ...).")
        night.add_argument("--table-out-mode", choices=TABLE_OUT_MODES, default=OCCUPIED,
                           help="deleted from the floor plan, or occupied by a party nobody clears (default).")
        night.add_argument("--no-walkaways", action="store_true", help="Nobody walks away, at the form or later.")

    def handle(self, *args, seed, scenario, nights, history, timing, **options):
        if scenario not in scenarios.SCENARIOS:
            raise CommandError(f"unknown scenario {scenario!r}; choose from {', '.join(scenarios.SCENARIOS)}")
        try:
            conditions = Conditions(
                meal_factor=options["meal_factor"], burst_share=options["burst"],
                burst_minutes=options["burst_minutes"], burst_hour=options["burst_hour"],
                table_out=options["table_out"], table_out_mode=options["table_out_mode"],
                walkaways=not options["no_walkaways"])
            burst_hour(scenarios.get(scenario), conditions)
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        labels = [label for label, _ in scenarios.get(scenario).labels()]
        if conditions.table_out and conditions.table_out not in labels:
            raise CommandError(f"no table {conditions.table_out!r}; the scenario has {', '.join(labels)}")
        started = time.perf_counter()
        with own_redis():
            report = simulation.run(scenario, seed, nights=nights, history=history, conditions=conditions)
        self.stdout.write(report.render())
        if timing:
            self.stdout.write(f"took {time.perf_counter() - started:.1f}s")


@contextlib.contextmanager
def own_redis():
    """A Valkey of its own for the length of the run, whatever REDIS_URL says: the run
    deletes every key of its restaurant id, which on a shared server could be a real
    restaurant's live queue."""
    server = embedded_valkey.start(prefix="waitlist-simulate-")
    ours = {"REDIS_URL": server.url, "REDIS_SENTINELS": [], "REDIS_CLUSTER": False, "REDIS_REPLICA_ACKS": 0}
    saved = {name: getattr(settings, name) for name in ours}
    for name, value in ours.items():
        setattr(settings, name, value)
    reset_redis()
    try:
        yield server
    finally:
        for name, value in saved.items():
            setattr(settings, name, value)
        reset_redis()
        server.stop()
