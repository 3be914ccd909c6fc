"""Join limits that are fair behind shared Wi-Fi and proxies: a high ceiling per client
address, a low limit per browser, refused attempts that do not count, and the client's
address read through as many proxies as TRUSTED_PROXIES says, no more."""

from django.test import Client

from tests.support.diner_pages import join, snap
from waitlist.keys import keys_for
from waitlist.redis_client import get_redis

WIFI = "203.0.113.7"


def leave(browser):
    return browser.post("/waitlist/testbistro/leave", {"confirm": "yes"})


def test_fifty_parties_on_one_guest_wifi_join_within_ten_minutes(restaurant):
    for n in range(50):
        assert join(Client(REMOTE_ADDR=WIFI), f"Guest {n}").status_code == 303, n
    assert len(snap(restaurant).waiting) == 50


def test_one_browser_scripting_joins_is_stopped_after_a_few(restaurant):
    script = Client(REMOTE_ADDR=WIFI)
    for n in range(3):
        assert join(script, f"Fake {n}").status_code == 303
        assert leave(script).status_code == 303
    assert join(script, "Fake 3").status_code == 429
    # Its neighbours on the same Wi-Fi are not held up by it.
    assert join(Client(REMOTE_ADDR=WIFI), "Real guest").status_code == 303


def test_a_script_that_drops_its_cookies_meets_the_address_ceiling(restaurant, settings):
    settings.JOIN_RATE_LIMIT = "60/600"
    statuses = [join(Client(REMOTE_ADDR="198.51.100.4"), f"Bot {n}").status_code for n in range(65)]
    assert statuses.count(303) == 60 and statuses[60:] == [429] * 5
    assert join(Client(REMOTE_ADDR="198.51.100.5"), "Another address").status_code == 303


def test_refused_attempts_do_not_count(restaurant, settings):
    settings.JOIN_RATE_LIMIT = "2/600"
    join(Client(REMOTE_ADDR=WIFI), "Ann")
    join(Client(REMOTE_ADDR=WIFI), "Ben")
    for n in range(5):
        assert join(Client(REMOTE_ADDR=WIFI), f"Refused {n}").status_code == 429
    assert int(get_redis().get(keys_for(restaurant.id).rate(WIFI))) == 2


def test_behind_one_trusted_proxy_the_address_it_saw_is_the_client(restaurant, settings):
    settings.JOIN_RATE_LIMIT, settings.TRUSTED_PROXIES = "1/600", 1
    proxy = "10.0.0.1"
    first = Client(REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR="192.0.2.50")
    assert join(first, "Ann").status_code == 303
    # The same diner address again (whatever it claims further left) is limited...
    spoofing = Client(REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR="1.2.3.4, 192.0.2.50")
    assert join(spoofing, "Ben").status_code == 429
    # ...another diner behind the same proxy is not.
    assert join(Client(REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR="192.0.2.51"), "Cat").status_code == 303


def test_without_trusted_proxies_a_forwarded_header_is_not_believed(restaurant, settings):
    settings.JOIN_RATE_LIMIT, settings.TRUSTED_PROXIES = "1/600", 0
    assert join(Client(REMOTE_ADDR=WIFI, HTTP_X_FORWARDED_FOR="192.0.2.1"), "Ann").status_code == 303
    assert join(Client(REMOTE_ADDR=WIFI, HTTP_X_FORWARDED_FOR="192.0.2.2"), "Ben").status_code == 429
