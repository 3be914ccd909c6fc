"""Redis memory per waiting party with 100 waiting, and the encodings that make it small
(the seed's listpack argument): MEMORY USAGE of every key of the restaurant, divided by
the number of parties."""

from .harness import Result

PARTIES = 100


def run() -> list[Result]:
    from waitlist.keys import keys_for
    from waitlist.redis_client import get_redis

    from . import fixtures

    place = fixtures.restaurant(slug="memory")
    r = get_redis()
    keys = keys_for(place.id)
    for key in r.keys(f"wl:{{{place.id}}}:*"):
        r.delete(key)
    ids = fixtures.fill(place, PARTIES)
    total = sum(r.memory_usage(key, samples=0) or 0 for key in r.keys(f"wl:{{{place.id}}}:*"))
    encodings = {
        "queue": r.object("encoding", keys.tq).decode(),
        "party": r.object("encoding", keys.party(ids[0])).decode(),
        "tokens": r.object("encoding", keys.tokens).decode(),
        "diners": r.object("encoding", keys.diners).decode(),
    }
    per_party = total / PARTIES
    return [Result(f"redis bytes per waiting party ({PARTIES} waiting)", per_party, target=300, unit=" B",
                   raw={"total_bytes": total, **encodings})]
