"""The admin and the host's pages say what a manager needs to know: a new restaurant starts
in the server's time zone and the floor says which zone it is in; the slug's help shows the
diner's real link; the poster and /healthz warn when SITE_URL is unset in production."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

from restaurants.models import Restaurant
from tests.support.factories import make_restaurant, make_user
from waitlist import heartbeats

ROOT = Path(__file__).resolve().parents[1]


# --- time zone -----------------------------------------------------------------------------------

@pytest.mark.django_db
def test_a_new_restaurant_starts_in_the_time_zone_setting(settings):
    settings.TIME_ZONE = "Europe/Madrid"
    assert Restaurant.objects.create(slug="tapas", name="Tapas").time_zone == "Europe/Madrid"
    settings.TIME_ZONE = "America/Chicago"
    assert Restaurant.objects.create(slug="diner", name="Diner").time_zone == "America/Chicago"
    assert Restaurant.objects.get(slug="tapas").time_zone == "Europe/Madrid"  # a saved one keeps its own


@pytest.mark.django_db
def test_the_admin_add_form_preselects_the_time_zone_setting(client, settings):
    settings.TIME_ZONE = "Europe/Madrid"
    client.force_login(make_user("boss", superuser=True))
    page = client.get(reverse("admin:restaurants_restaurant_add")).content.decode()
    assert '<option value="Europe/Madrid" selected>' in page
    assert '<option value="UTC" selected>' not in page
    assert "the server&#x27;s TIME_ZONE setting" in page or "the server's TIME_ZONE setting" in page


def test_an_unknown_time_zone_setting_stops_the_server_with_a_clear_message():
    env = {**os.environ, "DEBUG": "1", "TIME_ZONE": "Mars/Olympus_Mons", "DJANGO_SETTINGS_MODULE": "config.settings"}
    env.pop("DATABASE_URL", None)
    done = subprocess.run([sys.executable, "-c", "import django; django.setup()"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode != 0
    assert "TIME_ZONE='Mars/Olympus_Mons' is not a time zone name" in done.stderr


@pytest.mark.django_db
def test_the_floor_says_which_time_zone_the_restaurant_is_in(client):
    restaurant = make_restaurant("bistro", time_zone="Europe/Paris")
    client.force_login(make_user("hostess", restaurant=restaurant))
    page = client.get(reverse("seating:dashboard", args=["bistro"])).content.decode()
    assert '<p class="host-zone">Times for diners in Europe/Paris</p>' in page


# --- the slug's help -----------------------------------------------------------------------------

@pytest.mark.django_db
def test_the_slug_help_shows_the_diners_real_link(client, settings):
    settings.SITE_URL = "https://wait.example.com/"
    client.force_login(make_user("boss", superuser=True))
    add = client.get(reverse("admin:restaurants_restaurant_add")).content.decode()
    assert "bistro-verde gives https://wait.example.com/waitlist/bistro-verde/" in add
    restaurant = make_restaurant("chez-anna")
    change = client.get(reverse("admin:restaurants_restaurant_change", args=[restaurant.pk])).content.decode()
    assert "The diner's link: https://wait.example.com/waitlist/chez-anna/" in change
    settings.SITE_URL = ""
    change = client.get(reverse("admin:restaurants_restaurant_change", args=[restaurant.pk])).content.decode()
    assert "The diner's link: http://testserver/waitlist/chez-anna/" in change  # the admin's own address
    assert "/waitlist//" not in add + change


# --- SITE_URL unset in production ----------------------------------------------------------------

POSTER_WARNING = "SITE_URL is not set, so the QR code points at the address this page was opened at"


@pytest.mark.django_db
@pytest.mark.parametrize(("debug", "site_url", "warned"), [
    (False, "", True), (False, "https://wait.example.com", False), (True, "", False)],
    ids=["production-unset", "production-set", "debug"])
def test_the_poster_warns_when_site_url_is_unset_in_production(client, settings, debug, site_url, warned):
    settings.DEBUG, settings.SITE_URL = debug, site_url
    restaurant = make_restaurant("bistro")
    client.force_login(make_user("hostess", restaurant=restaurant))
    response = client.get(reverse("seating:poster", args=["bistro"]))
    assert response.status_code == 200
    page = response.content.decode()
    assert (POSTER_WARNING in page) is warned
    if warned:
        assert "http://testserver/waitlist/bistro/" in page  # the address the QR code holds, spelled out
    assert '<button class="print no-print" type="button" data-print>Print</button>' in page


@pytest.mark.django_db
@pytest.mark.parametrize(("debug", "site_url", "warnings"), [
    (False, "", ["SITE_URL is not set: QR codes and links use the address each request came in on"]),
    (False, "https://wait.example.com", []), (True, "", [])],
    ids=["production-unset", "production-set", "debug"])
def test_healthz_warns_when_site_url_is_unset_in_production_and_stays_ok(client, settings, debug, site_url,
                                                                        warnings):
    settings.DEBUG, settings.SITE_URL = debug, site_url
    heartbeats.beat("timers")
    heartbeats.beat("notifier")
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json()["status"] == "ok"  # a warning is not an outage
    assert response.json()["warnings"] == warnings


@pytest.mark.django_db
def test_healthz_keeps_its_warning_when_degraded(client, settings):
    settings.DEBUG, settings.SITE_URL = False, ""
    response = client.get("/healthz")  # no worker has beaten: degraded
    assert response.status_code == 503 and response.json()["status"] == "degraded"
    assert response.json()["warnings"] == [
        "SITE_URL is not set: QR codes and links use the address each request came in on"]
