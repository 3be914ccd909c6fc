"""Snapshots and party status read from replicas that have caught up, against a real
primary and two real replicas on loopback (waitlist/lua_scripts.py, read)."""

import pytest

from tests.support.factories import make_restaurant
from tests.support.redis_servers import Server, servers, wait_until
from waitlist import queue, redis_client
from waitlist.keys import keys_for

pytestmark = pytest.mark.own_servers


def calls(server: Server, command: str) -> int:
    """Calls of ``command`` the server answered (a NOSCRIPT before a script is loaded not counted)."""
    stats = server.client().info("commandstats").get(f"cmdstat_{command}", {})
    return int(stats.get("calls", 0)) - int(stats.get("failed_calls", 0))


def version_on(server: Server, restaurant) -> int:
    return int(server.client().hget(keys_for(restaurant.id).meta, "ver") or 0)


@pytest.fixture
def group(db, own_redis, settings):
    """A primary and two replicas of it; the test process reads from both replicas."""
    primary = Server().start()
    replicas = [Server(config={"replicaof": f"127.0.0.1 {primary.port}"}).start() for _ in range(2)]
    for replica in replicas:
        wait_until(lambda: replica.client().info("replication")["master_link_status"] == "up", 10,
                   what="replica linked")
    settings.REDIS_REPLICA_URLS = [replica.url for replica in replicas]
    own_redis(primary)
    yield primary, replicas
    for replica in replicas:
        replica.stop()


def join(restaurant, name: str):
    return queue.join(restaurant=restaurant, name=name, size=2, preference="table", diner=name, request_id=name)


def caught_up(replicas, restaurant, version: int) -> None:
    for replica in replicas:
        wait_until(lambda: version_on(replica, restaurant) >= version, 10, interval=0.01, what="replica caught up")


def test_snapshots_and_status_are_read_from_the_replicas_in_turn(group):
    primary, replicas = group
    restaurant = make_restaurant("bistro")
    joined = [join(restaurant, name) for name in ("Ada", "Bo", "Cy")]
    caught_up(replicas, restaurant, joined[-1].version)
    scripts_before, probes_before = calls(primary, "evalsha"), calls(primary, "hget")
    for _ in range(10):
        assert [p.name for p in queue.snapshot(restaurant=restaurant).waiting] == ["Ada", "Bo", "Cy"]
        assert queue.status(restaurant=restaurant, party_id=joined[1].party_id, at_least=joined[1].version).position == 2
    # The primary ran no script for these reads, only the version probe of each snapshot;
    # the two replicas shared the twenty scripts.
    assert calls(primary, "evalsha") == scripts_before
    assert calls(primary, "evalsha_ro") == 0
    assert calls(primary, "hget") - probes_before == 10
    assert [calls(replica, "evalsha_ro") for replica in replicas] == [10, 10]


def test_a_replica_behind_is_not_believed_and_the_primary_answers(group):
    primary, (paused, running) = group
    restaurant = make_restaurant("bistro")
    join(restaurant, "Ada")
    caught_up([paused, running], restaurant, version_on(primary, restaurant))
    # CLIENT PAUSE WRITE on a replica holds back its replication stream; it still answers
    # read-only scripts, with what it had.
    paused.client().execute_command("CLIENT", "PAUSE", "20000", "WRITE")
    try:
        late = join(restaurant, "Bo")
        caught_up([running], restaurant, late.version)
        assert version_on(paused, restaurant) < late.version
        primary_before, paused_before = calls(primary, "evalsha"), calls(paused, "evalsha_ro")
        for _ in range(6):
            assert [p.name for p in queue.snapshot(restaurant=restaurant).waiting] == ["Ada", "Bo"]
            party = queue.status(restaurant=restaurant, party_id=late.party_id, at_least=late.version)
            assert (party.name, party.position) == ("Bo", 2)
        # Half the reads went to the paused replica: each such answer was too old, or did
        # not know Bo at all, and was read again from the primary.
        asked_paused = calls(paused, "evalsha_ro") - paused_before
        assert asked_paused == 6
        assert calls(primary, "evalsha") - primary_before == asked_paused
    finally:
        paused.client().execute_command("CLIENT", "UNPAUSE")
    caught_up([paused], restaurant, late.version)
    primary_before = calls(primary, "evalsha")
    for _ in range(4):
        assert [p.name for p in queue.snapshot(restaurant=restaurant).waiting] == ["Ada", "Bo"]
    assert calls(primary, "evalsha") == primary_before  # caught up: both replicas answer again


def test_a_replica_that_is_gone_is_left_alone_and_reads_carry_on(group):
    primary, (gone, running) = group
    restaurant = make_restaurant("bistro")
    joined = join(restaurant, "Ada")
    caught_up([gone, running], restaurant, joined.version)
    gone.kill()
    names = [[p.name for p in queue.snapshot(restaurant=restaurant).waiting] for _ in range(6)]
    assert names == [["Ada"]] * 6
    # One read found it gone and went to the primary; after that it is skipped for a while.
    assert calls(primary, "evalsha") == 2  # the join, and that one read
    assert calls(running, "evalsha_ro") == 5


def test_without_replicas_every_read_goes_to_the_primary(db, own_redis, settings):
    settings.REDIS_REPLICA_URLS = []
    primary = own_redis(Server().start())
    restaurant = make_restaurant("bistro")
    join(restaurant, "Ada")
    scripts_before, probes_before = calls(primary, "evalsha"), calls(primary, "hget")
    queue.snapshot(restaurant=restaurant)
    assert calls(primary, "evalsha") - scripts_before == 1 and calls(primary, "hget") == probes_before


def test_with_sentinel_the_replicas_it_knows_answer_the_reads(db, settings):
    primary = Server().start()
    replicas = [Server(config={"replicaof": f"127.0.0.1 {primary.port}"}).start() for _ in range(2)]
    sentinel = Server(sentinel=True, config={"sentinel monitor": f"mymaster 127.0.0.1 {primary.port} 1"}).start()
    with servers(primary, *replicas, sentinel):
        wait_until(lambda: len(sentinel.client().execute_command("SENTINEL", "REPLICAS", "mymaster")) == 2,
                   15, what="sentinel knows the replicas")
        settings.REDIS_SENTINELS = [("127.0.0.1", sentinel.port)]
        settings.REDIS_SENTINEL_REPLICA_READS = True
        redis_client.reset_redis()
        try:
            restaurant = make_restaurant("bistro")
            joined = join(restaurant, "Ada")
            caught_up(replicas, restaurant, joined.version)
            for _ in range(6):
                assert [p.name for p in queue.snapshot(restaurant=restaurant).waiting] == ["Ada"]
            assert calls(primary, "evalsha") == 1  # the join
            assert sum(calls(replica, "evalsha_ro") for replica in replicas) == 6
        finally:
            redis_client.reset_redis()
