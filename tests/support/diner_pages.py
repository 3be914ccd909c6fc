"""Helpers for the diner page tests (tests/test_diner_views*.py): posting the join form,
reading a page the way a diner reads it, and the "nothing was written" witness."""

import html
import re
import uuid

from django.test import Client

from restaurants.models import Restaurant
from waitlist import queue

SLUG = "testbistro"
JSON = {"HTTP_ACCEPT": "application/json"}

FIELD_BLOCK = re.compile(r'<(div|fieldset) class="field[^"]*"[^>]*>(.*?)</\1>', re.S)
FIELD_ERROR = re.compile(r'<p class="field-error"[^>]*>(.*?)</p>', re.S)
ALERT = re.compile(r'<p class="alert alert-error" role="alert">(.*?)</p>', re.S)
POSITION = re.compile(r"data-position>(\d+)<")
LINK = re.compile(r'<p class="personal-link"><a href="([^"]+)">')
REQUEST_ID = re.compile(r'name="request_id" value="([^"]+)"')


def url(slug: str = SLUG, action: str = "") -> str:
    return f"/waitlist/{slug}/{action}"


def new_request_id() -> str:
    return uuid.uuid4().hex


def join(client: Client, name: str = "Ann", *, slug: str = SLUG, size=2, preference="table",
         request_id: str | None = None, **extra):
    """POST the join form as the page would (a fresh request id unless one is given)."""
    data = {"name": name, "size": size, "preference": preference,
            "request_id": new_request_id() if request_id is None else request_id}
    return client.post(url(slug, "join"), data, **extra)


def joined(name: str = "Ann", *, slug: str = SLUG, **kwargs) -> Client:
    """A new browser that has joined (and followed the redirect, as a browser does)."""
    browser = Client()
    response = join(browser, name, slug=slug, **kwargs)
    assert response.status_code == 303, response.content.decode()
    assert browser.get(url(slug)).status_code == 200
    return browser


def text(response) -> str:
    return response.content.decode()


def field_block(response, field: str) -> str:
    """The HTML of the form block (label, input, hint, errors) holding the input ``field``."""
    blocks = [body for _, body in FIELD_BLOCK.findall(text(response)) if f'name="{field}"' in body]
    assert len(blocks) == 1, f"no single block for field {field!r} in the page"
    return blocks[0]


def field_errors(response, field: str) -> list[str]:
    """The error messages shown inside ``field``'s own block, as the diner reads them."""
    return [html.unescape(e).strip() for e in FIELD_ERROR.findall(field_block(response, field))]


def all_field_errors(response) -> dict[str, list[str]]:
    return {field: field_errors(response, field) for field in ("name", "size", "preference")}


def alerts(response) -> list[str]:
    return [html.unescape(a).strip() for a in ALERT.findall(text(response))]


def position(response) -> int | None:
    match = POSITION.search(text(response))
    return int(match.group(1)) if match else None


def personal_link(response) -> str:
    match = LINK.search(text(response))
    assert match, "the page shows no personal link"
    return html.unescape(match.group(1))


def token_of(response) -> str:
    return personal_link(response).rstrip("/").rsplit("/", 1)[1]


def snap(restaurant: Restaurant):
    return queue.snapshot(restaurant=restaurant)


def find_party(restaurant: Restaurant, name: str):
    """The live (waiting, ready or dining) party called ``name``, or None."""
    found = [p for p in (*snap(restaurant).waiting, *snap(restaurant).active) if p.name == name]
    assert len(found) <= 1, f"more than one live party called {name!r}"
    return found[0] if found else None


def party_named(restaurant: Restaurant, name: str):
    party = find_party(restaurant, name)
    assert party is not None, f"no live party called {name!r}"
    return party


def party_token(restaurant: Restaurant, party) -> str:
    return queue.status(restaurant=restaurant, party_id=party.id).token


def table_ids(restaurant: Restaurant) -> dict[str, int]:
    return {t.label: t.id for t in restaurant.tables.all()}


def copy_cookies(source: Client) -> Client:
    """A second request from the same browser, sent before the first one's answer arrived."""
    twin = Client()
    for key, morsel in source.cookies.items():
        twin.cookies[key] = morsel.value
    return twin
