"""What a screen reader and a keyboard need from the pages' HTML, past what axe-core checks:
every reference points at something that exists, and a failed form says what went wrong
first, with a way to each field."""

import re

from tests.support.diner_pages import join, text
from tests.support.factories import make_restaurant

IDS = re.compile(r'\sid="([^"]+)"')
REFERENCES = re.compile(r'aria-(?:describedby|labelledby|controls)="([^"]+)"')


def dangling(html: str) -> set[str]:
    ids = set(IDS.findall(html))
    return {ref for refs in REFERENCES.findall(html) for ref in refs.split()} - ids


def test_a_refused_join_leads_with_a_summary_that_takes_focus(client, db):
    make_restaurant("bistro")
    response = join(client, "  ", slug="bistro", size="40", preference="")
    html = text(response)
    assert response.status_code == 400
    assert dangling(html) == set()
    summary = re.search(r'<div class="alert alert-error error-summary"[^>]*>(.*?)</div>', html, re.S)
    assert summary and "autofocus" in summary.group(0) and 'tabindex="-1"' in summary.group(0)
    targets = re.findall(r'href="#([^"]+)"', summary.group(1))
    assert targets == ["id_name", "id_size", "id_preference_0"]
    assert set(targets) <= set(IDS.findall(html))
    # Each field says which message describes it.
    assert 'aria-describedby="id_name_error"' in html and 'id="id_name_error"' in html
    assert re.search(r'<fieldset[^>]*aria-describedby="id_preference_error"', html)


def test_pages_without_errors_have_no_dangling_references(client, db):
    make_restaurant("bistro")
    page = text(client.get("/waitlist/bistro/"))
    assert dangling(page) == set()
    assert "error-summary" not in page
    join(client, "Ann", slug="bistro")
    assert dangling(text(client.get("/waitlist/bistro/"))) == set()


def test_a_refused_walk_in_leads_with_a_summary_inside_its_form(client, host, restaurant):
    """The same for the host's walk-in form: in the fragment htmx swaps in, and in the whole
    dashboard drawn again without JavaScript."""
    client.force_login(host)
    data = {"walkin-name": "", "walkin-size": "40", "walkin-request_id": "walkin-req-0001"}
    for headers in ({"HTTP_HX_REQUEST": "true"}, {}):
        html = text(client.post("/host/testbistro/walk-in", data, **headers))
        assert dangling(html) == set()
        form = re.search(r'<form id="walk-in-form".*?</form>', html, re.S).group(0)
        summary = re.search(r'<div class="alert alert-error error-summary"[^>]*>(.*?)</div>', form, re.S)
        assert summary and "autofocus" in summary.group(0)
        targets = re.findall(r'href="#([^"]+)"', summary.group(1))
        assert targets == ["id_walkin-name", "id_walkin-size", "id_walkin-preference_0"]
        assert set(targets) <= set(IDS.findall(html))
        assert 'aria-describedby="id_walkin-name_error"' in form and 'id="id_walkin-name_error"' in form
        assert re.search(r'<fieldset[^>]*aria-describedby="id_walkin-preference_error"', form)


def test_the_status_card_is_not_live_one_small_region_is(client, db):
    make_restaurant("bistro")
    join(client, "Ann", slug="bistro")
    page = text(client.get("/waitlist/bistro/"))
    # The card would be read again whole on every change; live.js writes the state and place here.
    assert re.search(r'<div id="status"[^>]*>', page).group(0) == '<div id="status" sse-swap="status">'
    regions = re.findall(r'<[^>]+(?:aria-live|role="(?:status|alert)")[^>]*>', page)
    assert regions == ['<p class="sr-only" role="status" aria-atomic="true" data-announce>']


def test_each_floor_button_names_its_table(client, db):
    from django.contrib.auth.models import User

    from restaurants.models import StaffMembership
    from tests.support.host_pages import dashboard_url, dining, labels
    from waitlist import queue

    restaurant = make_restaurant()
    user = User.objects.create_user("host", password="hostpass-123")
    StaffMembership.objects.create(user=user, restaurant=restaurant)
    dining(restaurant, "Dino", "T3")
    queue.clear_table(restaurant=restaurant, table_id=labels(restaurant)["T4"])
    client.force_login(user)
    page = text(client.get(dashboard_url()))
    floor = page[page.index('<ul class="floor">'):page.index("</ul>", page.index('<ul class="floor">'))]
    names = [re.sub(r"<[^>]+>", "", name) for name in re.findall(r"<button[^>]*>(.*?)</button>", floor, re.S)]
    assert "Clear table T3" in names and "Mark clean T4" in names and "To cleaning T1" in names
    assert len(names) == len(set(names)) == restaurant.tables.count()  # no two buttons alike
