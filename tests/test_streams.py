"""Live streams take the same request path as every page (Django's middleware stack), and a
host's open stream follows the host's rights: it ends within 10 seconds of a logout, a
removed membership or a deactivated account."""

import re
import time

import pytest
from django.contrib.auth.models import User

from restaurants.models import StaffMembership
from tests.support.factories import make_restaurant
from waitlist import queue

# A stream checks every STAFF_STREAM_RECHECK_SECONDS (5): it must be over within twice that.
WITHIN = 10


@pytest.fixture
def host_stream(browsers):
    """A signed-in host's dashboard stream that has shown a waiting party."""
    restaurant = make_restaurant("bistro")
    user = User.objects.create_user("hostess", password="floor-pass-123")
    StaffMembership.objects.create(user=user, restaurant=restaurant)
    host = browsers()
    host.sign_in("hostess", "floor-pass-123")
    queue.join(restaurant=restaurant, name="Ann", size=2, preference="table", diner="d-ann", request_id="r-ann-1")
    stream = host.events("/host/bistro/events")
    assert stream.status_code == 200
    assert "Ann" in stream.next("queue")
    return restaurant, user, host, stream


def ends_soon_and_stays_shut(host, stream, restaurant) -> int:
    """The stream ends within WITHIN seconds; a change after that reaches nobody, and a new
    stream is refused. Returns the status of that new attempt."""
    started = time.monotonic()
    stream.until_closed(timeout=WITHIN)
    assert time.monotonic() - started < WITHIN
    queue.join(restaurant=restaurant, name="Secret Sam", size=2, preference="table", diner="d-sam",
               request_id="r-sam-1")
    again = host.get("/host/bistro/events")
    assert "Secret Sam" not in again.text
    return again.status_code


def test_a_host_who_signs_out_stops_receiving(host_stream):
    restaurant, _, host, stream = host_stream
    assert host.post("/accounts/logout/").status_code == 200  # "signed out"
    assert ends_soon_and_stays_shut(host, stream, restaurant) == 302  # to the login page


def test_a_host_whose_membership_is_removed_stops_receiving(host_stream):
    restaurant, user, host, stream = host_stream
    StaffMembership.objects.filter(user=user).delete()
    assert ends_soon_and_stays_shut(host, stream, restaurant) == 403


def test_a_host_whose_account_is_deactivated_stops_receiving(host_stream):
    restaurant, user, host, stream = host_stream
    User.objects.filter(pk=user.pk).update(is_active=False)
    assert ends_soon_and_stays_shut(host, stream, restaurant) == 302  # an inactive user is signed out


def test_a_host_who_keeps_the_right_keeps_the_stream(host_stream):
    restaurant, _, _, stream = host_stream
    time.sleep(6)  # past one check
    queue.join(restaurant=restaurant, name="Ben", size=2, preference="table", diner="d-ben", request_id="r-ben-1")
    assert "Ben" in stream.next("queue", timeout=5, where=lambda html: "Ben" in html)


def test_a_stream_is_answered_through_the_middleware_like_a_page(browsers):
    make_restaurant("bistro")
    diner = browsers()
    diner.join("bistro", "Ann")
    del diner.http.cookies["csrftoken"]  # the fragments' forms need one: the middleware gives it
    with diner.http.stream("GET", "/waitlist/bistro/events") as response:
        assert response.status_code == 200
        assert response.headers["content-type"] == "text/event-stream"
        assert response.headers["x-frame-options"] == "DENY"  # XFrameOptionsMiddleware
        assert response.headers["x-content-type-options"] == "nosniff"  # SecurityMiddleware
        assert "Accept-Language" in response.headers["vary"]  # LocaleMiddleware
        cookie = response.cookies["csrftoken"]  # CsrfViewMiddleware
        for line in response.iter_lines():
            if 'name="csrfmiddlewaretoken"' in line:
                token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', line).group(1)
                break
    diner.http.cookies.set("csrftoken", cookie)
    left = diner.http.post("/waitlist/bistro/leave", data={"csrfmiddlewaretoken": token, "confirm": "yes"},
                           headers={"Referer": diner.base + "/waitlist/bistro/"})
    assert left.status_code == 303  # the stream's form, posted as it is, passes the CSRF check
    assert diner.status("bistro")["state"] == "left"
