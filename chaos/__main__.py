"""`make chaos`: diners, hosts and the timer on a running system (two daphne processes, the
timer worker, Valkey with appendfsync always) while processes are killed and frozen at
random; then the faults stop, the system settles, and every invariant is checked.

    python -m chaos --seconds 300 --seed 7

Prints what it did and what it checked; exits 1 on any violation."""

import argparse
import asyncio
import random
import sys
import time

from .system import System


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m chaos")
    parser.add_argument("--seconds", type=float, default=300, help="how long faults are made (default 300)")
    parser.add_argument("--seed", type=int, default=None, help="for the faults and the crowd (default: random)")
    parser.add_argument("--keep", action="store_true", help="keep the run's directory (logs, data) afterwards")
    options = parser.parse_args(argv)
    seed = options.seed if options.seed is not None else random.randrange(1_000_000)
    print(f"chaos: {options.seconds:.0f}s of faults, seed {seed}", flush=True)
    random.seed(seed)
    system = System()
    try:
        system.start()
        print(f"chaos: system up in {system.dir}", flush=True)
        from .run import Run

        report = asyncio.run(Run(system, rng=random.Random(seed)).go(options.seconds))
    finally:
        system.stop()
        if not options.keep and "report" in locals() and not report.violations:
            import shutil

            shutil.rmtree(system.dir, ignore_errors=True)
    print("\nchecked:")
    for line in report.checked:
        print(f"  {line}")
    if report.violations:
        print(f"\n{len(report.violations)} violation(s):")
        for line in report.violations[:50]:
            print(f"  {line}")
        print(f"logs and data kept in {system.dir}")
        return 1
    print("\nall invariants held")
    return 0


if __name__ == "__main__":
    started = time.monotonic()
    code = main(sys.argv[1:])
    print(f"chaos: done in {time.monotonic() - started:.0f}s", flush=True)
    sys.exit(code)
