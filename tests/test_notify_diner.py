"""The diner turns channels on and off from the status page (or at join), says how far away
they are, and a push notification's buttons act with their credential; a diner sees only
their own party's contacts, the host only the last four digits."""

import json

import pytest
from django.test import Client

from notifications.delivery import action_credential
from tests.support.diner_pages import joined, new_request_id, party_named, text, url
from waitlist import contacts, queue

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


def post_join(client, name, **fields):
    return client.post(url(action="join"), {"name": name, "size": 2, "preference": "table",
                                            "request_id": new_request_id(), **fields})


def test_a_phone_given_at_join_is_written_as_e164_in_the_restaurants_country(client, restaurant):
    restaurant.country = "GB"
    restaurant.save()
    assert post_join(client, "Ann", phone="07911 123456").status_code == 303
    party = party_named(restaurant, "Ann")
    assert party.channels == "s" and party.phone_last4 == "3456"
    assert contacts.contacts(restaurant_id=restaurant.id, party_id=party.id).phone == "+447911123456"
    assert contacts.party_for_phone("+447911123456") == (restaurant.id, party.id)


@pytest.mark.parametrize("phone", ["12", "not a number", "+44 20 7946 0000"])  # the last: a landline
def test_a_phone_that_cannot_get_texts_is_refused_next_to_its_field(client, restaurant, phone):
    restaurant.country = "GB"
    restaurant.save()
    response = post_join(client, "Ann", phone=phone)
    assert response.status_code == 400
    assert "phone" in text(response) and queue.snapshot(restaurant=restaurant).waiting == ()


def test_the_status_page_offers_the_channels_and_turns_one_on(restaurant, settings):
    settings.SMS_BACKEND = "locmem"
    diner = joined("Ann")
    page = text(diner.get(url()))
    assert "Get told when your table is ready" in page and 'name="phone"' in page
    response = diner.post(url(action="notify/phone"), {"phone": "+1 415 555 2671"})
    assert response.status_code == 303
    page = text(diner.get(url()))
    assert "Texts to the number ending 2671: on" in page
    assert "+14155552671" not in page  # even the diner's own page shows only the end of it


def test_a_bad_number_on_the_status_page_says_why_in_place(restaurant, settings):
    settings.SMS_BACKEND = "locmem"
    diner = joined("Ann")
    response = diner.post(url(action="notify/phone"), {"phone": "123"}, **HTMX)
    assert response.status_code == 400
    body = text(response)
    assert body.startswith('\n<section class="card channels" id="channels"') or 'id="channels"' in body[:200]
    assert 'role="alert"' in body and 'aria-invalid="true"' in body
    assert party_named(restaurant, "Ann").channels == ""


def test_email_and_removing_everything(restaurant):
    diner = joined("Ann")
    assert diner.post(url(action="notify/email"), {"email": "not-an-address"}).status_code == 400
    assert diner.post(url(action="notify/email"), {"email": "ann@example.com"}).status_code == 303
    assert party_named(restaurant, "Ann").channels == "e"
    assert diner.post(url(action="notify/stop"), {"channel": "all"}).status_code == 303
    party = party_named(restaurant, "Ann")
    assert party.channels == "" and contacts.contacts(restaurant_id=restaurant.id, party_id=party.id).email == ""


def test_a_push_subscription_is_kept_per_device(restaurant, settings):
    diner = joined("Ann")
    subscription = {"endpoint": "https://push.example.com/abc", "keys": {"p256dh": "BK", "auth": "au"}}
    response = diner.post(url(action="notify/push"), json.dumps(subscription), content_type="application/json",
                          **HTMX)
    assert response.status_code == 200
    party = party_named(restaurant, "Ann")
    assert party.channels == "p"
    assert json.loads(contacts.contacts(restaurant_id=restaurant.id, party_id=party.id).push[0]) == subscription
    bad = diner.post(url(action="notify/push"), json.dumps({"endpoint": "javascript:x"}),
                     content_type="application/json", **HTMX)
    assert bad.status_code == 400


def test_how_far_away_and_on_my_way(restaurant):
    diner = joined("Ann")
    assert diner.post(url(action="notify/eta"), {"minutes": "15"}).status_code == 303
    assert party_named(restaurant, "Ann").eta_minutes == 15
    assert diner.post(url(action="notify/eta"), {"minutes": "7"}).status_code == 400  # not one of the choices
    diner.post(url(action="notify/eta"), {"minutes": "0"})
    assert party_named(restaurant, "Ann").on_my_way_ms is not None


def test_a_browser_without_a_party_cannot_set_anyones_contacts(restaurant):
    joined("Ann")
    stranger = Client()
    assert stranger.post(url(action="notify/phone"), {"phone": "+14155552671"}).status_code == 404
    assert party_named(restaurant, "Ann").channels == ""


def test_the_notifications_buttons_act_with_their_credential_only(restaurant):
    joined("Ann")
    party = party_named(restaurant, "Ann")
    party = queue.status(restaurant=restaurant, party_id=party.id)
    good = {"party": party.id, "credential": action_credential(restaurant.id, party), "action": "on-my-way"}
    other = Client(enforce_csrf_checks=True)  # the service worker has no CSRF token: it needs none
    assert other.post(url(action="notify/act"), {**good, "credential": "x" * 64},
                      content_type="application/json").status_code == 403
    assert queue.status(restaurant=restaurant, party_id=party.id).on_my_way_ms is None
    assert other.post(url(action="notify/act"), good, content_type="application/json").status_code == 200
    assert queue.status(restaurant=restaurant, party_id=party.id).on_my_way_ms is not None
    assert other.post(url(action="notify/act"), {**good, "action": "leave"},
                      content_type="application/json").status_code == 200
    assert queue.status(restaurant=restaurant, party_id=party.id).state == "left"


def test_the_service_worker_and_manifest_are_served(client, restaurant):
    worker = client.get("/sw.js")
    assert worker.status_code == 200 and worker["Service-Worker-Allowed"] == "/"
    assert "showNotification" in text(worker) and "On my way" in text(worker)
    manifest = client.get(f"/waitlist/{restaurant.slug}/manifest.webmanifest")
    assert manifest.json()["start_url"] == f"/waitlist/{restaurant.slug}/"
