"""The diner's addresses: an unknown restaurant or personal link is a 404 that binds
nothing, a wrong method a 405, a POST without the CSRF token a 403, and none writes to the
live queue."""

import html

import pytest
from django.test import Client

from tests.support.diner_pages import (
    join,
    joined,
    party_named,
    position,
    snap,
    table_ids,
    text,
    url,
)
from tests.support.factories import make_restaurant
from waitlist import queue

pytestmark = pytest.mark.django_db


# --- addresses that do not exist, methods that are not allowed -----------------------------------

@pytest.mark.parametrize("method, action", [
    ("get", ""), ("post", "join"), ("post", "checkin"), ("post", "leave"), ("get", "events"),
    ("get", "p/AAAAAAAAAAAAAAAAAAAAAA/"),
])
def test_unknown_restaurant_is_404(client, restaurant, method, action):
    response = getattr(client, method)(url("no-such-place", action))
    assert response.status_code == 404
    assert "Not found" in text(response)
    assert "Unknown restaurant." in text(response)
    assert "matches the given query" not in text(response)


@pytest.mark.parametrize("token", ["garbage", "A" * 22, "A" * 65, "%00", "%E2%80%AE"])
def test_unknown_personal_link_is_404_and_binds_nothing(client, restaurant, token):
    joined("Ann")
    response = client.get(url(action=f"p/{token}/"))
    assert response.status_code == 404
    assert "This waitlist link is not valid or has expired." in text(response)
    assert 'name="name"' in text(client.get(url()))  # still no party in this browser


def test_a_personal_link_of_another_restaurant_is_404(client, restaurant):
    make_restaurant("otherplace")
    ann = joined("Ann")
    token = queue.status(restaurant=restaurant, party_id=party_named(restaurant, "Ann").id).token
    assert position(ann.get(url())) == 1
    assert client.get(url(action=f"p/{token}/")).status_code == 303  # the right restaurant: fine
    response = Client().get(url("otherplace", f"p/{token}/"))
    assert response.status_code == 404
    assert "This waitlist link is not valid or has expired." in text(response)


def test_a_bad_personal_link_keeps_the_browsers_own_party(client, restaurant):
    join(client, "Ann")
    assert client.get(url(action="p/garbage/")).status_code == 404
    assert position(client.get(url())) == 1


@pytest.mark.parametrize("action", ["join", "checkin", "leave"])
def test_get_on_post_only_routes_is_405(client, restaurant, action):
    response = client.get(url(action=action))
    assert response.status_code == 405
    assert response["Allow"] == "POST"
    assert snap(restaurant).waiting == ()


@pytest.mark.parametrize("action", ["", "events"])
def test_post_on_get_only_routes_is_405(client, restaurant, action):
    response = client.post(url(action=action), {"name": "Ann", "size": 2, "preference": "table"})
    assert response.status_code == 405
    assert snap(restaurant).waiting == ()


def test_a_post_to_an_unknown_personal_link_is_404(client, restaurant):
    # A personal link takes a POST: the answer of a browser asked which party to follow.
    response = client.post(url(action="p/AAAAAAAAAAAAAAAAAAAAAA/"), {"follow": "linked"})
    assert response.status_code == 404
    assert snap(restaurant).waiting == ()


# --- CSRF ----------------------------------------------------------------------------------------

def csrf_client() -> tuple[Client, str]:
    browser = Client(enforce_csrf_checks=True)
    browser.get(url())
    return browser, browser.cookies["csrftoken"].value


def assert_csrf_page(response):
    assert response.status_code == 403
    page = html.unescape(text(response))
    assert "<h1>Please try again</h1>" in page
    assert "This form could not be checked" in page
    assert "reload the page and submit it again" in page


def test_join_without_a_csrf_token_is_refused_with_the_friendly_page(restaurant):
    browser, token = csrf_client()
    before = snap(restaurant)
    assert_csrf_page(join(browser, "Ann"))
    assert_csrf_page(Client(enforce_csrf_checks=True).post(url(action="join"), {"name": "Ann", "size": 2,
                                                                                "preference": "table"}))
    assert snap(restaurant) == before
    # The same form with its token goes through.
    response = browser.post(url(action="join"), {"name": "Ann", "size": 2, "preference": "table",
                                                 "request_id": "with-token-1", "csrfmiddlewaretoken": token})
    assert response.status_code == 303
    assert [p.name for p in snap(restaurant).waiting] == ["Ann"]


@pytest.mark.parametrize("action", ["leave", "checkin"])
def test_actions_without_a_csrf_token_are_refused(restaurant, action):
    browser, token = csrf_client()
    browser.post(url(action="join"), {"name": "Ann", "size": 2, "preference": "table",
                                      "request_id": "with-token-2", "csrfmiddlewaretoken": token})
    party = party_named(restaurant, "Ann")
    queue.offer(restaurant=restaurant, party_id=party.id, table_ids=[table_ids(restaurant)["T1"]], kind="table")
    before = snap(restaurant)
    assert_csrf_page(browser.post(url(action=action), {"confirm": "yes"}))
    assert snap(restaurant) == before
    assert browser.post(url(action=action), {"confirm": "yes", "csrfmiddlewaretoken": token}).status_code == 303
    assert snap(restaurant) != before


def test_the_short_link_of_a_text_leads_to_the_personal_link(client, restaurant):
    joined("Ann")
    token = queue.status(restaurant=restaurant, party_id=party_named(restaurant, "Ann").id).token
    response = client.get(f"/w/{restaurant.id}/{token}")
    assert response.status_code == 303 and response["Location"] == url(action=f"p/{token}/")
    assert client.get(f"/w/999999/{token}").status_code == 404
