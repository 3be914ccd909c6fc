"""/healthz (everything the site needs, workers included) and /healthz/web (what a load
balancer asks: the web server's own Redis and database), through Django's test client against
the real embedded Valkey. Outages are in test_diner_views_safety.py and test_faults_redis.py."""

import time

from waitlist import heartbeats


def test_healthz_is_ok_when_everything_is_up(client, db):
    heartbeats.beat("timers")
    heartbeats.beat("notifier")
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["redis"], body["database"]) == ("ok", "ok", "ok")
    assert body["timers"].startswith("ok") and body["notifier"].startswith("ok")
    assert client.get("/healthz/web").json() == {"status": "ok", "redis": "ok", "database": "ok"}


def test_healthz_fails_when_the_timer_worker_is_stale_but_the_web_check_does_not(client, db, settings):
    settings.WORKER_STALE_SECONDS = 0.05
    heartbeats.beat("timers")
    heartbeats.beat("notifier")
    time.sleep(0.2)
    response = client.get("/healthz")
    assert response.status_code == 503 and response.json()["timers"].startswith("down: last seen")
    assert client.get("/healthz/web").status_code == 200  # the web server itself is fine
