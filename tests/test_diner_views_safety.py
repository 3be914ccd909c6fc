"""The diner's pages are safe: a name is always shown escaped, a page never shows another
party, an unreachable Redis gives a friendly 503 (never a 500), and the session that holds a
diner's place outlives closing the browser."""

import html
import json
import socket

import pytest
from django.conf import settings as django_settings
from django.test import Client

from tests.support.diner_pages import (
    JSON,
    alerts,
    field_block,
    join,
    joined,
    party_named,
    position,
    snap,
    table_ids,
    text,
    token_of,
    url,
)
from waitlist import live_view, queue
from waitlist.redis_client import reset_redis

pytestmark = pytest.mark.django_db

EVIL = '<b>Ann</b> & "Co" <script>alert(1)</script>'
EVIL_ESCAPED = "&lt;b&gt;Ann&lt;/b&gt; &amp; &quot;Co&quot; &lt;script&gt;alert(1)&lt;/script&gt;"


# --- escaping ------------------------------------------------------------------------------------

def assert_escaped(page: str):
    assert "<script>alert(1)" not in page
    assert "<b>Ann</b>" not in page
    assert EVIL_ESCAPED in page


def test_html_in_a_name_is_stored_raw_and_shown_escaped_on_every_page(client, restaurant):
    assert join(client, EVIL).status_code == 303
    assert [p.name for p in snap(restaurant).waiting] == [EVIL]  # the data is the raw text

    assert_escaped(text(client.get(url())))  # the status page
    party = party_named(restaurant, EVIL)
    # the status page under an error message
    refused = client.post(url(action="checkin"))
    assert refused.status_code == 409
    assert_escaped(text(refused))
    # the ready page, the seated page, the JSON answers carry no markup of it
    queue.offer(restaurant=restaurant, party_id=party.id, table_ids=[table_ids(restaurant)["T1"]], kind="table")
    ready = text(client.get(url()))
    assert "<script>alert(1)" not in ready and "<b>Ann</b>" not in ready
    body = client.get(url(), **JSON).content.decode()
    assert "&lt;" not in body and "<script>" not in body


def test_html_in_a_refused_name_is_escaped_in_the_form(client, restaurant):
    response = join(client, EVIL, size=0)
    assert response.status_code == 400
    block = field_block(response, "name")
    assert f'value="{EVIL_ESCAPED}"' in block
    assert "<script>" not in text(response)


def test_html_in_a_name_is_escaped_for_a_second_phone(client, restaurant):
    join(client, EVIL)
    other = Client()
    assert other.get(url(action=f"p/{token_of(client.get(url()))}/")).status_code == 303
    assert_escaped(text(other.get(url())))


# --- privacy -------------------------------------------------------------------------------------

def test_a_diners_page_never_shows_another_party(client, restaurant):
    alice = joined("Alice Zebrafish")
    alice_token = token_of(alice.get(url()))
    join(client, "Bob Quokka")
    my_token = token_of(client.get(url()))
    assert my_token != alice_token

    mine = text(client.get(url()))
    assert "Bob Quokka" in mine
    assert "Alice" not in mine and "Zebrafish" not in mine
    assert alice_token not in mine
    mine_json = client.get(url(), **JSON).content.decode()
    assert alice_token not in mine_json and "Alice" not in mine_json

    theirs = text(alice.get(url()))
    assert "Alice Zebrafish" in theirs
    assert "Bob" not in theirs and my_token not in theirs

    refused = client.post(url(action="checkin"))
    assert "Alice" not in text(refused) and alice_token not in text(refused)
    confirm = client.post(url(action="leave"))
    assert "Alice" not in text(confirm) and alice_token not in text(confirm)


def test_the_public_join_page_names_no_party(client, restaurant):
    alice = joined("Alice Zebrafish")
    alice_token = token_of(alice.get(url()))
    for response in (client.get(url()), client.get(url(), **JSON)):
        body = response.content.decode()
        assert "1 party waiting" in body or response.json()["parties_waiting"] == 1
        assert "Zebrafish" not in body and alice_token not in body


# --- Redis unreachable ---------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Outage:
    """Points this process at a port where nothing listens, and back."""

    def __init__(self, settings):
        self.settings = settings
        self.url = django_settings.REDIS_URL
        self.caches = json.loads(json.dumps(django_settings.CACHES))

    def down(self):
        dead = f"redis://127.0.0.1:{free_port()}/0"
        caches = json.loads(json.dumps(self.caches))
        caches["default"]["LOCATION"] = dead
        self.settings.REDIS_URL = dead
        self.settings.CACHES = caches  # pytest-django's setting_changed resets django.core.cache.caches
        reset_redis()
        live_view.forget()  # no page may be served from a view built while Redis was up

    def up(self):
        self.settings.REDIS_URL = self.url
        self.settings.CACHES = self.caches
        reset_redis()


@pytest.fixture
def outage(settings):
    state = Outage(settings)
    yield state
    state.up()
    reset_redis()


FRIENDLY = "The waitlist is briefly unavailable. Your place in line is safe."


def assert_friendly_503(response):
    assert response.status_code == 503, response.content[:500]
    page = html.unescape(text(response))
    assert "We'll be right back" in page
    assert FRIENDLY in page
    assert response["Retry-After"] == "5"


def test_redis_down_gives_friendly_503s_and_recovers(outage, restaurant):
    diner = joined("Ann")
    visitor = Client()
    visitor.get(url())  # the form page, loaded while Redis was up
    never_seen = Client(raise_request_exception=False)  # as in production: no test-client re-raise

    outage.down()
    first = diner.get(url())
    assert_friendly_503(first)
    assert django_settings.SESSION_COOKIE_NAME not in first.cookies  # the diner's session cookie is kept
    assert_friendly_503(diner.post(url(action="checkin")))
    assert_friendly_503(diner.post(url(action="leave"), {"confirm": "yes"}))
    assert_friendly_503(diner.get(url(action="events")))
    assert_friendly_503(visitor.post(url(action="join"), {"name": "Ben", "size": 2, "preference": "table",
                                                          "request_id": "outage-req-1"}))
    assert_friendly_503(never_seen.get(url()))
    assert_friendly_503(never_seen.post(url(action="join"), {"name": "Cat", "size": 2, "preference": "table",
                                                             "request_id": "outage-req-2"}))
    fragment = diner.get(url(), HTTP_HX_REQUEST="true")
    assert fragment.status_code == 503
    assert "The waitlist is briefly unavailable. Please try again in a few seconds." in text(fragment)
    assert "<html" not in text(fragment)

    health = Client().get("/healthz")
    assert health.status_code == 503
    body = health.json()
    assert body["status"] == "degraded"
    assert body["redis"].startswith("down")
    assert body["database"] == "ok"

    outage.up()
    page = diner.get(url())
    assert page.status_code == 200
    assert position(page) == 1  # the place in line survived
    assert [p.name for p in snap(restaurant).waiting] == ["Ann"]  # nothing was half-written
    assert visitor.get(url()).status_code == 200
    assert join(visitor, "Ben").status_code == 303
    assert Client().get("/healthz/web").status_code == 200


def test_redis_down_json_clients_get_503_too(outage, restaurant):
    diner = joined("Ann")
    outage.down()
    assert diner.get(url(), **JSON).status_code == 503
    assert join(Client(raise_request_exception=False), "Ben", **JSON).status_code == 503


def test_an_unknown_browser_key_is_not_mistaken_for_an_outage(restaurant):
    browser = Client()
    browser.cookies[django_settings.DINER_COOKIE_NAME] = "AAAAAAAAAAAAAAAAAAAAAA"  # well formed, never seen
    page = browser.get(url())
    assert page.status_code == 200
    assert 'name="name"' in text(page)
    assert browser.post(url(action="leave"), {"confirm": "yes"}).status_code == 404
    assert join(browser, "Ann").status_code == 303
    assert position(browser.get(url())) == 1


# --- the browser's key ----------------------------------------------------------------------------

def test_the_browser_remembers_its_party_after_closing(client, restaurant):
    """A browser is its own cookie (not a session): it outlives closing the browser."""
    assert django_settings.DINER_COOKIE_AGE >= 24 * 3600
    page = client.get(url())
    cookie = page.cookies[django_settings.DINER_COOKIE_NAME]
    assert int(cookie["max-age"]) >= 24 * 3600
    assert cookie["expires"]
    assert cookie["httponly"]
    assert cookie["samesite"] == "Lax"
    assert join(client, "Ann").status_code == 303

    reopened = Client()  # the browser restarted with only its persistent cookies
    reopened.cookies[django_settings.DINER_COOKIE_NAME] = cookie.value
    page = reopened.get(url())
    assert position(page) == 1
    assert "Ann, party of 2" in text(page)
    assert alerts(page) == []


def test_no_session_is_made_for_a_diner(client, restaurant):
    from waitlist.redis_client import get_redis

    before = len(get_redis().keys(":1:django.contrib.sessions*"))
    client.get(url())
    join(client, "Ann")
    client.get(url())
    assert django_settings.SESSION_COOKIE_NAME not in client.cookies
    assert len(get_redis().keys(":1:django.contrib.sessions*")) == before


def test_signing_in_and_out_in_the_same_browser_keeps_the_party(restaurant):
    from django.contrib.auth.models import User

    User.objects.create_user("manager", password="manager-pass-1")
    browser = joined("Ann")
    assert browser.post("/accounts/login/", {"username": "manager", "password": "manager-pass-1"}).status_code == 302
    assert position(browser.get(url())) == 1
    assert browser.post("/accounts/logout/").status_code == 200
    assert position(browser.get(url())) == 1
    assert "Ann, party of 2" in text(browser.get(url()))


def test_another_partys_link_asks_before_this_browser_follows_it(restaurant):
    ann, ben = joined("Ann"), joined("Ben")
    ben_token = queue.status(restaurant=restaurant, party_id=party_named(restaurant, "Ben").id).token
    link = url(action=f"p/{ben_token}/")
    question = ann.get(link)
    assert question.status_code == 200 and "already follows a party here" in text(question)
    assert "Ann" in text(position_page := ann.get(url())) and position(position_page) == 1  # nothing changed yet
    assert ann.post(link, {"follow": "own"}).status_code == 303
    assert "Ann, party of 2" in text(ann.get(url()))
    assert ann.post(link, {"follow": "linked"}).status_code == 303
    assert "Ben, party of 2" in text(ann.get(url()))
    assert party_named(restaurant, "Ann").state == "waiting"  # Ann keeps her place
    assert "Ben, party of 2" in text(ben.get(url()))
