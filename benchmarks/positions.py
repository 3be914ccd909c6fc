"""Why the queues are sorted sets: position lookup time must not grow with the queue.

Measures, on one server in one run, the lookup of the LAST party's position in a queue of
10 and of 10,000: a list with LPOS (linear) against a sorted set with ZRANK (logarithmic),
then the real status read (status.lua) at both sizes.
"""

from .harness import Result, interleaved

SMALL, LARGE = 10, 10_000


def run() -> list[Result]:
    from waitlist import queue
    from waitlist.redis_client import get_redis

    from . import fixtures

    r = get_redis()
    for size in (SMALL, LARGE):
        r.delete(f"bench:list:{size}", f"bench:zset:{size}")
        for start in range(1, size + 1, 1000):
            chunk = list(range(start, min(size, start + 999) + 1))
            r.rpush(f"bench:list:{size}", *chunk)
            r.zadd(f"bench:zset:{size}", {m: m for m in chunk})
    raw_times = interleaved({
        f"lpos_{SMALL}": lambda: r.lpos(f"bench:list:{SMALL}", SMALL),
        f"lpos_{LARGE}": lambda: r.lpos(f"bench:list:{LARGE}", LARGE),
        f"zrank_{SMALL}": lambda: r.zrank(f"bench:zset:{SMALL}", SMALL),
        f"zrank_{LARGE}": lambda: r.zrank(f"bench:zset:{LARGE}", LARGE),
    })
    r.delete(*(f"bench:{kind}:{size}" for kind in ("list", "zset") for size in (SMALL, LARGE)))

    places, last = {}, {}
    for size in (SMALL, LARGE):
        places[size] = fixtures.restaurant(slug=f"positions-{size}")
        last[size] = fixtures.fill(places[size], size)[-1]
        assert queue.status(restaurant=places[size], party_id=last[size]).ahead == size - 1
    status_times = interleaved({
        size: (lambda size=size: queue.status(restaurant=places[size], party_id=last[size])) for size in (SMALL, LARGE)
    }, repeat=1000)
    for place in places.values():
        r.delete(*r.keys(f"wl:{{{place.id}}}:*"))

    raw = {f"{name}_us": t * 1e6 for name, t in raw_times.items()}
    raw.update({f"status_{size}_us": t * 1e6 for size, t in status_times.items()})
    lpos_growth = raw_times[f"lpos_{LARGE}"] / raw_times[f"lpos_{SMALL}"]
    zrank_growth = raw_times[f"zrank_{LARGE}"] / raw_times[f"zrank_{SMALL}"]
    return [
        Result("status read, 10,000 waiting / 10 waiting", status_times[LARGE] / status_times[SMALL], target=1.5,
               raw=raw, note=f"from {SMALL} to {LARGE}: LPOS x{lpos_growth:.2f}, ZRANK x{zrank_growth:.2f}"),
    ]
