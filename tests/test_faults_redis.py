"""Redis going away, on loopback with real servers: outages, SIGKILL, failover, Cluster."""

import os
import signal
import subprocess
import sys
import time

import pytest
import redis as redis_lib
from django.contrib.auth.models import User

from restaurants.models import StaffMembership
from tests.support.clients import POSITION_EVENTS, Browser, position_in
from tests.support.factories import make_restaurant
from tests.support.redis_servers import (
    ROOT,
    AppServer,
    Server,
    servers,
    three_primary_cluster,
    wait_until,
)
from waitlist import queue, redis_client


def test_a_change_through_one_app_server_reaches_streams_on_another(transactional_db):
    make_restaurant("bistro")
    one, two = AppServer().start(), AppServer().start()
    ahead, diner = Browser(two.url), Browser(one.url)
    try:
        ahead.join("bistro", "Ahead")
        diner.join("bistro", "Diner")
        stream = diner.events("/waitlist/bistro/events")
        assert position_in(stream.next("status")) == 2
        assert ahead.leave("bistro").status_code == 303  # through the other server
        assert position_in(stream.next(POSITION_EVENTS, where=lambda html: position_in(html) == 1)) == 1
    finally:
        ahead.close()
        diner.close()
        one.stop()
        two.stop()


@pytest.mark.own_servers
def test_pages_say_503_during_a_60_second_outage_and_streams_recover_by_themselves(transactional_db):
    redis = Server(config={"appendonly": "yes", "appendfsync": "always"}).start()
    app = AppServer(REDIS_URL=redis.url, REDIS_SOCKET_TIMEOUT="1").start()
    restaurant = make_restaurant("bistro")
    user = User.objects.create_user("hostess", password="floor-pass-123")
    StaffMembership.objects.create(user=user, restaurant=restaurant)
    ahead, diner, host = Browser(app.url), Browser(app.url), Browser(app.url)
    with servers(redis):
        try:
            ahead.join("bistro", "Ahead")
            diner.join("bistro", "Diner")
            host.sign_in("hostess", "floor-pass-123")
            diner_stream = diner.events("/waitlist/bistro/events")
            host_stream = host.events("/host/bistro/events")
            assert position_in(diner_stream.next("status")) == 2
            assert "Ahead" in host_stream.next("queue")

            redis.kill()
            went_down = time.monotonic()
            page = diner.get("/waitlist/bistro/")
            assert page.status_code == 503
            assert "briefly unavailable" in page.text
            health = diner.get("/healthz/web")
            assert health.status_code == 503 and health.json()["redis"].startswith("down")
            assert diner.post("/waitlist/bistro/leave", {"confirm": "yes"}).status_code == 503

            time.sleep(max(0.0, 60 - (time.monotonic() - went_down)))
            redis.start()  # same port, same append-only file
            wait_until(lambda: diner.get("/healthz/web").status_code == 200, 20, what="healthy again")

            # No restart of the app server: the next change reaches the open streams.
            assert ahead.leave("bistro").status_code == 303
            assert position_in(diner_stream.next(POSITION_EVENTS, timeout=10, where=lambda h: position_in(h) == 1)) == 1
            assert "Ahead" not in host_stream.next("queue", timeout=10, where=lambda h: "Ahead" not in h)
            assert "lost Redis" in app.output()  # it noticed, and said so in one line
        finally:
            for browser in (ahead, diner, host):
                browser.close()
            app.stop()


@pytest.mark.own_servers
def test_a_redis_that_stops_answering_gets_a_503_within_the_timeout_and_service_resumes(db, own_redis, settings,
                                                                                      client):
    """SIGSTOP: the server keeps its connections open and answers nothing. Only a read
    timeout (kept by the kernel, see redis_client.KernelTimeoutConnection) gets the
    request out; it must not be retried, since a script may have run."""
    settings.REDIS_SOCKET_TIMEOUT = 0.5
    redis = own_redis(Server().start())
    restaurant = make_restaurant("bistro", max_party_size=6)
    queue.join(restaurant=restaurant, name="Ada", size=2, preference="table", diner="d1", request_id="r1")
    assert isinstance(redis_client.get_redis().connection_pool.get_connection(), redis_client.KernelTimeoutConnection)
    os.kill(redis.process.pid, signal.SIGSTOP)
    try:
        started = time.monotonic()
        with pytest.raises(redis_lib.TimeoutError):
            queue.snapshot(restaurant=restaurant)
        assert time.monotonic() - started < 1.4  # one timeout, no retries
        response = client.post(f"/waitlist/{restaurant.slug}/join",
                               {"name": "Bo", "size": "2", "preference": "table", "request_id": "r2"})
        assert response.status_code == 503
        assert "Retry-After" in response.headers
    finally:
        os.kill(redis.process.pid, signal.SIGCONT)
    assert [p.name for p in queue.snapshot(restaurant=restaurant).waiting] == ["Ada"]


@pytest.mark.own_servers
def test_acknowledged_joins_survive_sigkill_with_appendfsync_always(db, own_redis):
    redis = own_redis(Server(config={"appendonly": "yes", "appendfsync": "always"}).start())
    restaurant = make_restaurant("bistro", max_party_size=6)
    joined = [queue.join(restaurant=restaurant, name=f"P{n}", size=1 + n % 6, preference="either",
                         diner=f"d{n}", request_id=f"request-{n}").party_id for n in range(40)]
    redis.kill()
    redis.start()
    redis_client.reset_redis()
    waiting = queue.snapshot(restaurant=restaurant).waiting
    assert [p.id for p in waiting] == joined
    assert [p.name for p in waiting] == [f"P{n}" for n in range(40)]


@pytest.mark.own_servers
def test_sentinel_promotes_a_replica_and_joins_work_again_losing_nothing_acknowledged(db, settings):
    primary = Server().start()
    replicas = [Server(config={"replicaof": f"127.0.0.1 {primary.port}"}).start() for _ in range(2)]
    sentinels = [Server(sentinel=True, config={
        "sentinel monitor": f"mymaster 127.0.0.1 {primary.port} 2",
        "sentinel down-after-milliseconds": "mymaster 1000",
        "sentinel failover-timeout": "mymaster 5000",
    }).start() for _ in range(3)]
    with servers(primary, *replicas, *sentinels):
        wait_until(lambda: all(r.client().info("replication")["master_link_status"] == "up" for r in replicas),
                   15, what="replicas in sync")
        wait_until(lambda: len(sentinels[0].client().execute_command("SENTINEL", "REPLICAS", "mymaster")) == 2,
                   15, what="sentinels know the replicas")
        settings.REDIS_SENTINELS = [("127.0.0.1", s.port) for s in sentinels]
        settings.REDIS_REPLICA_ACKS = 1
        redis_client.reset_redis()
        try:
            restaurant = make_restaurant("bistro")
            acknowledged = [queue.join(restaurant=restaurant, name=f"P{n}", size=2, preference="table",
                                       diner=f"d{n}", request_id=f"request-{n}").party_id for n in range(25)]
            primary.kill()
            killed = time.monotonic()

            def join_again():
                return queue.join(restaurant=restaurant, name="After", size=2, preference="table",
                                  diner="after", request_id="request-after")

            after = wait_until(join_again, 30, interval=0.25, what="a join through the promoted replica")
            took = time.monotonic() - killed
            assert took < 30
            waiting = [p.id for p in queue.snapshot(restaurant=restaurant).waiting]
            assert waiting == acknowledged + [after.party_id]
        finally:
            redis_client.reset_redis()


@pytest.mark.own_servers
def test_live_queue_tests_pass_against_a_three_primary_cluster(tmp_path):
    with three_primary_cluster() as nodes:
        env = {**os.environ, "REDIS_URL": nodes[0].url, "REDIS_CLUSTER": "1",
               "DATABASE_URL": f"sqlite:///{tmp_path / 'cluster.sqlite3'}", "VAR_DIR": str(tmp_path)}
        env.pop("TEST_DB_SUFFIX", None)
        modules = sorted(str(path.relative_to(ROOT)) for path in (ROOT / "tests").glob("test_live_queue*.py"))
        assert modules
        result = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *modules],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
        assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
        assert " passed" in result.stdout
