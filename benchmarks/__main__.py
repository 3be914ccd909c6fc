"""`make bench`: run the benchmarks, print the table, exit 1 when a target is missed.

    python -m benchmarks                 # all
    python -m benchmarks positions memory   # some
"""

import sys

from .harness import Environment, print_table

ORDER = ["positions", "roundtrips", "redis_calls", "join_form", "memory", "http_join", "fanout", "join_latency", "public",
         "processes", "builds", "stream_cost", "soak", "notify", "rebuild", "estimates"]


def main(argv: list[str]) -> int:
    chosen = argv or ORDER
    unknown = [name for name in chosen if name not in ORDER]
    if unknown:
        print(f"unknown benchmark(s): {', '.join(unknown)}; choose from {', '.join(ORDER)}")
        return 2
    results = []
    with Environment():
        import importlib

        for name in chosen:
            print(f"running {name} ...", flush=True)
            results.extend(importlib.import_module(f"benchmarks.{name}").run())
    print_table(results)
    missed = [r for r in results if not r.ok]
    if missed:
        print(f"MISSED: {', '.join(r.name for r in missed)}")
        return 1
    print("all targets met")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
