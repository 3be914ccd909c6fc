"""The host's message to everyone waiting."""

import pytest

from waitlist import queue


@pytest.fixture
def signed_in(client, host):
    client.force_login(host)
    return client


def test_host_message_is_stored_and_shown_on_the_dashboard(signed_in, restaurant):
    response = signed_in.post("/host/testbistro/announce", {"message": "  Kitchen   closes at 22:00 "},
                              HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert "Message sent to every diner." in response.text
    assert queue.snapshot(restaurant=restaurant).notice == "Kitchen closes at 22:00"
    assert 'value="Kitchen closes at 22:00"' in signed_in.get("/host/testbistro/").text


def test_empty_message_clears_it(signed_in, restaurant):
    signed_in.post("/host/testbistro/announce", {"message": "Hello"})
    response = signed_in.post("/host/testbistro/announce", {"message": ""}, HTTP_HX_REQUEST="true")
    assert "Message cleared." in response.text
    assert queue.snapshot(restaurant=restaurant).notice == ""


@pytest.mark.parametrize("message, error", [
    ("x" * 201, "Keep the message to 200 characters."),
    ("bad\x07bell", "The message can only contain letters"),
])
def test_bad_message_is_refused_and_nothing_changes(signed_in, restaurant, message, error):
    before = queue.snapshot(restaurant=restaurant)
    response = signed_in.post("/host/testbistro/announce", {"message": message}, HTTP_HX_REQUEST="true")
    assert response.status_code == 422  # a form to correct (a 400 would be replaced whole under DEBUG)
    assert error in response.text
    assert queue.snapshot(restaurant=restaurant) == before


def test_only_staff_may_send_a_message(client, restaurant, django_user_model):
    stranger = django_user_model.objects.create_user("stranger", password="x-pass-1234")
    client.force_login(stranger)
    assert client.post("/host/testbistro/announce", {"message": "Hi"}).status_code == 403
    assert queue.snapshot(restaurant=restaurant).notice == ""
