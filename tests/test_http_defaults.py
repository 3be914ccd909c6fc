"""HTTP as clients expect it: HEAD answers every GET route (pages, streams, /healthz) with
GET's status and headers and no body; JSON clients get JSON errors (404, 403, CSRF, 500)
and browsers the friendly pages. Most against a real daphne server, from outside."""

import html

import httpx
import pytest
from django.contrib.auth.models import User
from django.test import Client

from restaurants.models import StaffMembership
from tests.support.factories import make_restaurant, make_user
from waitlist import queue

JSON = {"HTTP_ACCEPT": "application/json"}
NOT_FOUND = "There is nothing at this address. Check the link you were given."
FORBIDDEN = "You do not have access to this page."
CSRF_FAILED = ("This form could not be checked (it may have been open too long, or cookies are blocked). "
               "Go back, reload the page and submit it again.")


@pytest.fixture
def floor(browsers):
    """A restaurant with a waiting party; a signed-in host and a diner who joined."""
    restaurant = make_restaurant("bistro")
    user = User.objects.create_user("hostess", password="floor-pass-123")
    StaffMembership.objects.create(user=user, restaurant=restaurant)
    host, diner, anonymous = browsers(), browsers(), browsers()
    host.sign_in("hostess", "floor-pass-123")
    diner.join("bistro", "Ann")
    token = queue.snapshot(restaurant=restaurant).waiting[0].token
    return restaurant, token, {"host": host, "diner": diner, "anonymous": anonymous}


def routes(restaurant, token):
    """(who asks, path) for every GET route."""
    return [
        ("anonymous", "/"), ("anonymous", "/healthz"), ("anonymous", "/sw.js"),
        ("anonymous", "/accounts/login/"), ("anonymous", "/admin/login/"),
        ("anonymous", "/waitlist/bistro/"), ("anonymous", "/waitlist/bistro/manifest.webmanifest"),
        ("anonymous", f"/w/{restaurant.id}/{token}"),
        ("diner", "/waitlist/bistro/"), ("diner", f"/waitlist/bistro/p/{token}/"),
        ("host", "/"), ("host", "/host/bistro/"), ("host", "/host/bistro/poster"), ("host", "/host/bistro/insights"),
        ("host", "/admin/"),
    ]


def test_head_answers_every_page_as_get_does_without_a_body(floor):
    restaurant, token, clients = floor
    for who, path in routes(restaurant, token):
        client = clients[who]
        get, head = client.get(path), client.http.head(path)
        assert head.status_code == get.status_code != 405, (who, path, head.status_code)
        assert head.headers.get("content-type") == get.headers.get("content-type"), (who, path)
        assert head.content == b"", (who, path)


@pytest.mark.parametrize(("who", "path"), [("anonymous", "/waitlist/bistro/events"),
                                           ("diner", "/waitlist/bistro/events"),
                                           ("host", "/host/bistro/events")])
def test_head_on_a_stream_answers_its_headers_and_closes(floor, who, path):
    head = floor[2][who].http.head(path, timeout=httpx.Timeout(5))
    assert head.status_code == 200
    assert head.headers["content-type"].startswith("text/event-stream")
    assert head.content == b""


# --- errors, in HTML or JSON ---------------------------------------------------------------------

@pytest.mark.django_db
@pytest.mark.parametrize(("path", "detail"), [("/no/such/page", NOT_FOUND),
                                              ("/waitlist/nowhere/", "Unknown restaurant.")])
def test_not_found_in_json_and_in_words(client, path, detail):
    response = client.get(path, **JSON)
    assert response.status_code == 404
    assert response.json() == {"error": "not_found", "detail": detail}
    page = client.get(path)
    assert page.status_code == 404 and page["Content-Type"].startswith("text/html")
    assert detail in html.unescape(page.content.decode())
    assert "Resolver404" not in page.content.decode()


@pytest.mark.django_db
def test_forbidden_in_json(client, restaurant):
    client.force_login(make_user("stranger", restaurant=make_restaurant("elsewhere")))
    response = client.get(f"/host/{restaurant.slug}/", **JSON)
    assert response.status_code == 403
    assert response.json() == {"error": "forbidden", "detail": FORBIDDEN}
    assert FORBIDDEN in client.get(f"/host/{restaurant.slug}/").content.decode()


@pytest.mark.django_db
def test_a_csrf_failure_in_json(restaurant):
    browser = Client(enforce_csrf_checks=True)
    form = {"name": "Ann", "size": "2", "preference": "table"}
    response = browser.post(f"/waitlist/{restaurant.slug}/join", form, **JSON)
    assert response.status_code == 403
    assert response.json() == {"error": "csrf_failed", "detail": CSRF_FAILED}
    page = browser.post(f"/waitlist/{restaurant.slug}/join", form)
    assert page.status_code == 403 and CSRF_FAILED in html.unescape(page.content.decode())
    assert queue.snapshot(restaurant=restaurant).waiting == ()


def test_json_errors_over_http(production_url):
    """The same, through daphne and the router, as a JSON client sees them."""
    make_restaurant("bistro")
    http = httpx.Client(base_url=production_url, headers={"Accept": "application/json"})
    assert http.get("/no/such/page").json()["error"] == "not_found"
    posted = http.post("/waitlist/bistro/join", data={"name": "Ann", "size": "2", "preference": "table"})
    assert (posted.status_code, posted.json()["error"]) == (403, "csrf_failed")
    http.close()
