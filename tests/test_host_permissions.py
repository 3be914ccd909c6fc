"""Who may use the host dashboard and its actions: anonymous users are sent to log in,
other users are refused, staff of the restaurant and superusers get in; forged requests
(no CSRF token) and tables of another restaurant are refused without changing anything."""

import pytest
from django.conf import settings
from django.shortcuts import resolve_url
from django.test import Client

from tests.support.factories import make_restaurant, make_user
from tests.support.host_pages import (
    GET_ROUTES,
    HTMX,
    POST_ROUTES,
    dashboard_url,
    floor,
    post_data,
    route,
    snap,
    state,
    toast,
)

ALL_ROUTES = [(name, action, "GET") for name, action in GET_ROUTES] + \
             [(name, action, "POST") for name, action in POST_ROUTES]
IDS = [f"{method} {name}{'/' + action if action else ''}" for name, action, method in ALL_ROUTES]


@pytest.fixture
def f(restaurant):
    return floor(restaurant)


def call(client, name, action, method, f, **extra):
    url = route(name, action=action)
    if method == "GET":
        return client.get(url, **extra)
    return client.post(url, post_data(name, action, f), **extra)


def check_allowed(response, name, method, before, restaurant):
    """The request got through and did what it says."""
    if method == "GET":
        assert response.status_code == 200, response.content[:300]
        if name == "events":
            assert response["Content-Type"] == "text/event-stream"
        elif name == "poster":
            assert b"<svg" in response.content and b"/waitlist/testbistro/" in response.content
        else:
            assert b"Wanda" in response.content and b"Rita" in response.content
        assert state(restaurant) == before
    else:
        assert response.status_code == 303, response.content[:300]
        assert response["Location"] == dashboard_url()
        assert snap(restaurant).version > before[0].version, "the action changed nothing"


@pytest.mark.parametrize(("name", "action", "method"), ALL_ROUTES, ids=IDS)
def test_anonymous_is_sent_to_log_in(client, restaurant, f, name, action, method):
    before = state(restaurant)
    response = call(client, name, action, method, f)
    assert response.status_code == 302
    # The login page is settings.LOGIN_URL (it was /admin/login/ and may move): follow it.
    assert response["Location"] == f"{resolve_url(settings.LOGIN_URL)}?next={route(name, action=action)}"
    assert state(restaurant) == before


@pytest.mark.parametrize(("name", "action", "method"), ALL_ROUTES, ids=IDS)
def test_user_who_is_not_staff_here_is_refused(client, restaurant, f, name, action, method):
    other = make_restaurant("elsewhere")
    client.force_login(make_user("stranger", restaurant=other))  # staff, but of another restaurant
    before = state(restaurant)
    response = call(client, name, action, method, f)
    assert response.status_code == 403
    assert b"Wanda" not in response.content
    assert state(restaurant) == before


@pytest.mark.parametrize(("name", "action", "method"), ALL_ROUTES, ids=IDS)
def test_htmx_request_of_a_stranger_is_refused_too(client, restaurant, f, name, action, method):
    client.force_login(make_user("stranger"))
    before = state(restaurant)
    assert call(client, name, action, method, f, **HTMX).status_code == 403
    assert state(restaurant) == before


@pytest.mark.parametrize(("name", "action", "method"), ALL_ROUTES, ids=IDS)
def test_superuser_is_allowed(client, restaurant, f, name, action, method):
    client.force_login(make_user("boss", superuser=True))
    before = state(restaurant)
    check_allowed(call(client, name, action, method, f), name, method, before, restaurant)


@pytest.mark.parametrize(("name", "action", "method"), ALL_ROUTES, ids=IDS)
def test_staff_member_is_allowed(client, restaurant, host, f, name, action, method):
    client.force_login(host)
    before = state(restaurant)
    check_allowed(call(client, name, action, method, f), name, method, before, restaurant)


@pytest.mark.parametrize(("name", "action"), POST_ROUTES, ids=[f"{n}{'/' + a if a else ''}" for n, a in POST_ROUTES])
def test_post_without_csrf_token_is_refused(restaurant, host, f, name, action):
    client = Client(enforce_csrf_checks=True)
    client.force_login(host)
    client.get(dashboard_url())  # the host has a CSRF cookie; the forged form lacks the token
    assert client.cookies.get("csrftoken")
    before = state(restaurant)
    response = client.post(route(name, action=action), post_data(name, action, f))
    assert response.status_code == 403
    assert state(restaurant) == before


def test_post_with_csrf_token_goes_through(restaurant, host, f):
    """The CSRF refusal above is the token's doing, not the client's."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(host)
    client.get(dashboard_url())
    token = client.cookies["csrftoken"].value
    response = client.post(route("party_action", action="notify"), {"party": f["rita"], "csrfmiddlewaretoken": token})
    assert response.status_code == 303


@pytest.mark.parametrize(("name", "action"), [("offer", None), ("table_action", "ready"), ("table_action", "clear")])
@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "plain"])
def test_table_of_another_restaurant_is_refused(client, restaurant, host, f, name, action, htmx):
    other = make_restaurant("elsewhere")
    foreign = other.tables.get(label="T2").id
    # The other restaurant's live state, too, must not change.
    queue_other = snap(other)
    client.force_login(host)
    data = {"party": f["wanda"], "table": foreign} if name == "offer" else {"table": foreign}
    before = state(restaurant)
    response = client.post(route(name, action=action), data, **(HTMX if htmx else {}))
    message = "That table is not in this restaurant."
    if htmx:
        assert response.status_code == 409
        assert toast(response.content.decode()) == message
        assert b"alert-error" in response.content
    else:
        assert response.status_code == 303
        page = client.get(response["Location"])
        assert message in toast(page.content.decode())
    assert state(restaurant) == before
    assert snap(other) == queue_other


@pytest.mark.parametrize("table, status, message", [
    ("", 422, "Choose a party and a table first."),
    ("T2", 422, "Choose a party and a table first."),
    ("999999999", 409, "That table is not in this restaurant."),
], ids=["missing", "not-a-number", "unknown-id"])
def test_missing_or_bad_table_field_is_refused(client, restaurant, host, f, table, status, message):
    client.force_login(host)
    before = state(restaurant)
    response = client.post(route("table_action", action="ready"), {"table": table} if table else {}, **HTMX)
    assert response.status_code == status
    assert toast(response.content.decode()) == message
    assert state(restaurant) == before


def test_unknown_party_action_is_not_found(client, restaurant, host, f):
    client.force_login(host)
    before = state(restaurant)
    for action in ("seat", "delete", "checkout", "NOTIFY"):
        response = client.post(route("party_action", action=action), {"party": f["rita"]})
        assert response.status_code == 404, action
    assert state(restaurant) == before


def test_unknown_table_action_is_not_found(client, restaurant, host, f):
    client.force_login(host)
    before = state(restaurant)
    assert client.post(route("table_action", action="paint"), {"table": f["T4"]}).status_code == 404
    assert state(restaurant) == before


def test_unknown_restaurant_is_not_found_for_staff(client, restaurant, host):
    client.force_login(host)
    assert client.get(dashboard_url("nowhere")).status_code == 404
    assert client.post(route("seat_next", "nowhere")).status_code == 404


@pytest.mark.parametrize(("name", "action"), POST_ROUTES, ids=[f"{n}{'/' + a if a else ''}" for n, a in POST_ROUTES])
def test_actions_refuse_get(client, restaurant, host, f, name, action):
    client.force_login(host)
    before = state(restaurant)
    assert client.get(route(name, action=action)).status_code == 405
    assert state(restaurant) == before


def test_pages_refuse_post(client, restaurant, host):
    client.force_login(host)
    for name in ("dashboard", "poster"):
        assert client.post(route(name)).status_code == 405
