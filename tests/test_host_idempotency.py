"""A host's double click does the action once: every dashboard form carries the version of
the floor it was drawn from, and the same form posted again gets the first answer back."""

import os
import re
import subprocess
import sys
import threading
import time

import pytest
from django.db import connection
from django.test import Client

from tests.support.factories import make_user
from tests.support.host_pages import HTMX, dashboard_url, join, route, snap
from tests.support.redis_servers import ROOT, wait_until
from waitlist import once
from waitlist.redis_client import get_redis


@pytest.fixture
def host_client(restaurant):
    client = Client()
    client.force_login(make_user("hostess", restaurant=restaurant))
    return client


def drawn_version(client) -> str:
    page = client.get(dashboard_url()).content.decode()
    versions = set(re.findall(r'name="rv" value="(\d+)"', page))
    assert len(versions) == 1, versions  # every form of one page: the same floor
    return versions.pop()


def test_two_clicks_on_seat_next_offer_one_table(host_client, restaurant):
    join(restaurant, "Ann")
    join(restaurant, "Ben")
    version = drawn_version(host_client)
    first = host_client.post(route("seat_next"), {"rv": version}, **HTMX)
    second = host_client.post(route("seat_next"), {"rv": version}, **HTMX)
    assert first.status_code == second.status_code == 200
    assert first.content == second.content  # the first answer, again
    assert [p.name for p in snap(restaurant).active] == ["Ann"] and len(snap(restaurant).waiting) == 1
    # The floor drawn after it is a new version: the next click is a new action.
    assert host_client.post(route("seat_next"), {"rv": drawn_version(host_client)}, **HTMX).status_code == 200
    assert len(snap(restaurant).active) == 2


@pytest.mark.django_db(transaction=True)
def test_two_clicks_at_the_same_moment_act_once(restaurant):
    host = make_user("hostess", restaurant=restaurant)
    for name in ("Ann", "Ben", "Cat"):
        join(restaurant, name)
    version = str(snap(restaurant).version)
    barrier, answers = threading.Barrier(2), [None, None]

    def click(i):
        try:
            client = Client()
            client.force_login(host)
            barrier.wait(timeout=10)
            answers[i] = client.post(route("seat_next"), {"rv": version}, **HTMX)
        finally:
            connection.close()

    threads = [threading.Thread(target=click, args=(i,)) for i in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert answers[0].content == answers[1].content
    assert len(snap(restaurant).active) == 1


def test_a_refused_action_repeated_is_refused_the_same_way_without_acting(host_client, restaurant):
    version = drawn_version(host_client)  # nobody waiting
    first = host_client.post(route("seat_next"), {"rv": version}, **HTMX)
    join(restaurant, "Ann")  # meanwhile someone joins; the repeated click is still the first one
    second = host_client.post(route("seat_next"), {"rv": version}, **HTMX)
    assert first.status_code == second.status_code == 409 and first.content == second.content
    assert snap(restaurant).active == ()


def test_a_click_whose_server_died_while_acting_can_be_made_again(restaurant, settings, monkeypatch):
    """The server that claimed the click is killed mid-action: a repeat is told to wait
    while the claim is young, and acts once the claim has run out (not five minutes on)."""
    monkeypatch.setattr(once, "CLAIM_SECONDS", 1)
    monkeypatch.setattr(once, "WAIT_SECONDS", 0.2)
    code = ("import django, time; django.setup(); from waitlist import once; once.CLAIM_SECONDS = 1; "
            f"once.first_answer({restaurant.id}, 'click', lambda: time.sleep(60))")
    server = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, env={
        **os.environ, "REDIS_URL": settings.REDIS_URL, "DJANGO_SETTINGS_MODULE": "config.settings"})
    try:
        wait_until(lambda: get_redis().exists(once._key(restaurant.id, "click")), 30, what="the claim")
    finally:
        server.kill()
        server.wait(10)
    assert once.first_answer(restaurant.id, "click", lambda: "acted") is None  # still claimed
    time.sleep(1.1)
    assert once.first_answer(restaurant.id, "click", lambda: "acted") == "acted"
    assert once.first_answer(restaurant.id, "click", lambda: "twice") == "acted"
