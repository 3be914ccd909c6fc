"""Sign-ins cannot be ground down: after LOGIN_FAILURE_LIMIT wrong passwords a user and
address pair is locked out until the cool-off, and a locked-out attempt costs no password
hash (config/logins.py). Both login forms: the host's and Django admin's."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from tests.support.clients import Browser
from tests.support.hashers import CountingHasher

pytestmark = pytest.mark.django_db

PAGES = ["/accounts/login/", "/admin/login/"]
PASSWORD = "right-pass-123"
LOCKED = "Too many failed sign-ins. Please wait 15 minutes and try again."


@pytest.fixture
def counted(settings):
    settings.PASSWORD_HASHERS = ["tests.support.hashers.CountingHasher"]
    CountingHasher.hashes = 0
    return CountingHasher


@pytest.fixture
def boss(db, counted):
    """A superuser, so that both forms (admin's asks for staff) let them in."""
    return User.objects.create_superuser("boss", "boss@example.com", PASSWORD)


def sign_in(client, page, username="boss", password="wrong-pass", **extra):
    return client.post(page, {"username": username, "password": password, "next": "/"}, **extra)


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def fail(client, page, times, **extra):
    for _ in range(times):
        sign_in(client, page, **extra)


@pytest.mark.parametrize("page", PAGES)
def test_the_eleventh_wrong_password_is_refused_without_hashing(client, boss, counted, page):
    for attempt in range(1, 11):
        before = counted.hashes
        response = sign_in(client, page)
        assert counted.hashes == before + 1, f"attempt {attempt} checked the password once"
        # The tenth failure locks: its own answer already says so.
        assert response.status_code == (429 if attempt == 10 else 200)

    before = counted.hashes
    response = sign_in(client, page)
    assert response.status_code == 429
    assert counted.hashes == before, "a locked-out attempt computed a password hash"
    assert LOCKED in response.content.decode()
    assert response["Retry-After"] == "900"
    assert not signed_in(client)


@pytest.mark.parametrize("page", PAGES)
def test_the_right_password_is_refused_until_the_cool_off_ends(client, boss, counted, page, settings):
    fail(client, page, 10)
    before = counted.hashes
    assert sign_in(client, page, password=PASSWORD).status_code == 429
    assert counted.hashes == before and not signed_in(client)

    # Move the failures back in time rather than wait: still locked 5 s before the end...
    last_failure = timezone.now() - settings.AXES_COOLOFF_TIME
    AccessAttempt.objects.update(attempt_time=last_failure + timedelta(seconds=5))
    assert sign_in(client, page, password=PASSWORD).status_code == 429
    assert not signed_in(client)
    # ...and let in once it is over.
    AccessAttempt.objects.update(attempt_time=last_failure - timedelta(seconds=1))
    response = sign_in(client, page, password=PASSWORD)
    assert response.status_code == 302 and signed_in(client)


def test_a_lockout_holds_one_user_at_one_address(boss):
    User.objects.create_user("host2", password=PASSWORD)
    attacker = Client(REMOTE_ADDR="203.0.113.7")
    fail(attacker, PAGES[0], 10)
    assert sign_in(attacker, PAGES[0], password=PASSWORD).status_code == 429
    # A forwarded-for header does not make a new address (no proxy is trusted by default).
    spoofed = sign_in(attacker, PAGES[0], password=PASSWORD, HTTP_X_FORWARDED_FOR="198.51.100.1")
    assert spoofed.status_code == 429

    # The same user elsewhere, and another user at that address, still sign in.
    elsewhere = Client(REMOTE_ADDR="192.0.2.10")
    assert sign_in(elsewhere, PAGES[0], password=PASSWORD).status_code == 302
    colleague = Client(REMOTE_ADDR="203.0.113.7")
    assert sign_in(colleague, PAGES[0], "host2", PASSWORD).status_code == 302


def test_an_address_trying_many_usernames_is_stopped(client, counted, settings):
    """Django hashes for unknown usernames too, so a new username per attempt must not buy
    another hash forever."""
    settings.LOGIN_ADDRESS_FAILURE_LIMIT = 30
    for n in range(30):
        assert sign_in(client, PAGES[0], username=f"guess{n}").status_code == 200
    before = counted.hashes
    assert sign_in(client, PAGES[0], username="guess-new").status_code == 429
    assert counted.hashes == before
    assert sign_in(Client(REMOTE_ADDR="192.0.2.10"), PAGES[0], username="guess-new").status_code == 200


def test_a_successful_sign_in_clears_the_failures(client, boss):
    fail(client, PAGES[0], 9)
    assert sign_in(client, PAGES[0], password=PASSWORD).status_code == 302
    client.logout()
    fail(client, PAGES[0], 9)
    assert sign_in(client, PAGES[0], password=PASSWORD).status_code == 302


def test_json_clients_are_told_in_json(client, boss):
    fail(client, PAGES[0], 10)
    response = sign_in(client, PAGES[0], password=PASSWORD, HTTP_ACCEPT="application/json")
    assert response.status_code == 429
    assert response.json() == {"error": "locked_out", "detail": LOCKED}


def test_failed_sign_ins_are_listed_in_admin_without_passwords(client, boss, admin_client):
    fail(Client(REMOTE_ADDR="203.0.113.7"), PAGES[1], 3)
    page = admin_client.get("/admin/axes/accessattempt/").content.decode()
    assert "203.0.113.7" in page and "boss" in page
    attempt = AccessAttempt.objects.get()
    assert attempt.failures_since_start == 3
    assert "wrong-pass" not in attempt.post_data
    assert admin_client.get("/admin/axes/accesslog/").status_code == 200


def test_sixty_wrong_passwords_then_the_right_one_over_http(live_url, transactional_db, settings):
    """The finding as it was reported, from outside against a real server."""
    User.objects.create_user("hostess", password=PASSWORD)
    browser = Browser(live_url)
    browser.get("/accounts/login/")
    statuses = [browser.post("/accounts/login/", {"username": "hostess", "password": f"guess-{n}"}).status_code
                for n in range(60)]
    assert statuses == [200] * 9 + [429] * 51
    response = browser.post("/accounts/login/", {"username": "hostess", "password": PASSWORD})
    assert response.status_code == 429 and LOCKED in response.text
    # The password was right: once the cool-off is over, it signs in.
    AccessAttempt.objects.update(attempt_time=timezone.now() - settings.AXES_COOLOFF_TIME - timedelta(seconds=1))
    assert browser.post("/accounts/login/", {"username": "hostess", "password": PASSWORD}).status_code == 302
    browser.close()
