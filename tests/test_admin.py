"""Admin for restaurants, with their tables inline. Staff memberships and visits are in
test_admin_staff.py."""

import pytest
from django.contrib import admin
from django.urls import reverse

from domain.strategies import STRATEGIES
from restaurants import caches
from restaurants.admin import RestaurantAdminForm
from restaurants.models import Restaurant, Table
from tests.support.factories import make_restaurant

ADD_URL = reverse("admin:restaurants_restaurant_add")
CHANGELIST_URL = reverse("admin:restaurants_restaurant_changelist")

NO_TABLES = "A restaurant with no tables cannot open: add a table first."
COUNTER_SEATS = "Counter seats are one row per seat: use 1."


def change_url(restaurant):
    return reverse("admin:restaurants_restaurant_change", args=[restaurant.pk])


def restaurant_data(**fields):
    """Every field of the restaurant form as a browser posts it (unchecked boxes are absent)."""
    data = {
        "name": "New Place", "slug": "new-place", "time_zone": "Europe/Paris", "is_open": True,
        "max_party_size": 4, "tables_combine": False,
        "queue_strategy": "first_fit", "seating_policy": "host", "max_skips": 3, "max_wait_minutes": "",
        "checkin_timeout_minutes": 10, "getting_close_threshold": 2, "getting_close_minutes": 15,
        "service_limit_minutes": "", "service_warning_minutes": 10,
        "default_turn_minutes": 60, "default_counter_turn_minutes": 40,
    }
    data.update(fields)
    post = {}
    for name, value in data.items():
        if value is True:
            post[name] = "on"
        elif value is not False:
            post[name] = "" if value is None else str(value)
    return post


def tables_data(new=(), existing=()):
    """The tables inline: ``existing`` are (table, changes) with changes such as
    {"seats": 3} or {"DELETE": True}; ``new`` are (label, seats, kind) rows to add."""
    rows = []
    for table, changes in existing:
        row = {"id": table.pk, "label": table.label, "seats": table.seats, "kind": table.kind,
               "position": table.position}
        row.update(changes)
        rows.append(row)
    for position, (label, seats, kind) in enumerate(new, start=1):
        rows.append({"id": "", "label": label, "seats": seats, "kind": kind, "position": position})
    # The empty extra row a browser submits for the inline's one blank form.
    rows.append({"id": "", "label": "", "seats": "", "kind": "table", "position": 0})
    post = {
        "tables-TOTAL_FORMS": str(len(rows)),
        "tables-INITIAL_FORMS": str(len(existing)),
        "tables-MIN_NUM_FORMS": "0",
        "tables-MAX_NUM_FORMS": "1000",
    }
    for number, row in enumerate(rows):
        for name, value in row.items():
            if value is True:
                post[f"tables-{number}-{name}"] = "on"
            elif value is not False:
                post[f"tables-{number}-{name}"] = str(value)
    return post


def existing_data(restaurant, **fields):
    values = {field: getattr(restaurant, field) for field in restaurant_data()}
    values.update(fields)
    return restaurant_data(**values)


def form_errors(response):
    return response.context["adminform"].form.errors


def table_form_errors(response):
    (inline,) = response.context["inline_admin_formsets"]
    return [form.errors for form in inline.formset.forms]


# --- pages render ---------------------------------------------------------------


@pytest.mark.django_db
def test_changelist_renders_with_capacity_filters_and_search(admin_client):
    make_restaurant("bistro")  # tables 2, 2, 4, 6 and 4 counter seats
    make_restaurant("diner", tables=((4, "table"),), counter=0, is_open=False, queue_strategy="fifo",
                    time_zone="Europe/Paris")

    response = admin_client.get(CHANGELIST_URL)
    assert response.status_code == 200
    rows = {r.slug: r for r in response.context["cl"].result_list}
    assert set(rows) == {"bistro", "diner"}
    model_admin = admin.site._registry[Restaurant]
    assert (model_admin.capacity(rows["bistro"]), model_admin.table_count(rows["bistro"])) == (18, 8)
    assert (model_admin.capacity(rows["diner"]), model_admin.table_count(rows["diner"])) == (4, 1)
    assert b"Europe/Paris" in response.content  # the time-zone filter lists the zones in use

    for query, expected in [
        ({"is_open__exact": "1"}, {"bistro"}),
        ({"queue_strategy__exact": "fifo"}, {"diner"}),
        ({"seating_policy__exact": "host"}, {"bistro", "diner"}),
        ({"time_zone": "Europe/Paris"}, {"diner"}),
        ({"q": "bistro"}, {"bistro"}),
        ({"q": "din"}, {"diner"}),
        ({"o": "7"}, {"bistro", "diner"}),  # sort by total seats (the annotation)
    ]:
        response = admin_client.get(CHANGELIST_URL, query)
        assert response.status_code == 200, query
        assert {r.slug for r in response.context["cl"].result_list} == expected, query


@pytest.mark.django_db
def test_change_and_add_pages_render_with_strategy_descriptions(admin_client, restaurant):
    for url in (change_url(restaurant), ADD_URL):
        response = admin_client.get(url)
        assert response.status_code == 200
        html = response.content.decode()
        for strategy in STRATEGIES.values():
            # The description as the template escapes it.
            assert str(strategy.label) in html
            assert str(strategy.description).replace("'", "&#x27;") in html
    response = admin_client.get(change_url(restaurant))
    assert 'name="tables-TOTAL_FORMS"' in response.content.decode()
    assert "C4" in response.content.decode()  # the tables inline lists the counter seats


# --- seating limits, against the tables as they will be --------------------------


@pytest.mark.django_db
def test_open_restaurant_without_tables_is_refused_next_to_is_open(admin_client):
    response = admin_client.post(ADD_URL, {**restaurant_data(), **tables_data()})

    assert response.status_code == 200
    assert form_errors(response) == {"is_open": [NO_TABLES]}
    assert NO_TABLES in response.content.decode()
    assert not Restaurant.objects.exists()
    assert not Table.objects.exists()


@pytest.mark.django_db
def test_closed_restaurant_without_tables_is_accepted(admin_client):
    response = admin_client.post(ADD_URL, {**restaurant_data(is_open=False), **tables_data()})

    assert response.status_code == 302
    assert Restaurant.objects.get().slug == "new-place"


@pytest.mark.django_db
def test_open_restaurant_created_with_its_tables_in_one_post(admin_client):
    post = {**restaurant_data(max_party_size=4),
            **tables_data(new=[("T1", 2, "table"), ("T2", 4, "table"), ("C1", 1, "counter")])}
    response = admin_client.post(ADD_URL, post)

    assert response.status_code == 302, form_errors(response)
    restaurant = Restaurant.objects.get()
    assert restaurant.is_open and restaurant.max_party_size == 4
    assert restaurant.time_zone == "Europe/Paris"
    assert sorted(restaurant.tables.values_list("label", "seats", "kind")) == [
        ("C1", 1, "counter"), ("T1", 2, "table"), ("T2", 4, "table")]


@pytest.mark.django_db
def test_party_size_above_largest_table_is_refused_next_to_max_party_size(admin_client):
    post = {**restaurant_data(max_party_size=6),
            **tables_data(new=[("T1", 2, "table"), ("T2", 4, "table")])}
    response = admin_client.post(ADD_URL, post)

    assert response.status_code == 200
    errors = form_errors(response)
    assert list(errors) == ["max_party_size"]
    assert "Maximum party size 6 is more than the largest table or the whole counter seats (4)" in \
        errors["max_party_size"][0]
    assert not Restaurant.objects.exists()
    assert not Table.objects.exists()


@pytest.mark.django_db
def test_party_size_accepted_when_tables_combine_and_together_they_suffice(admin_client):
    tables = tables_data(new=[("T1", 2, "table"), ("T2", 4, "table")])

    response = admin_client.post(ADD_URL, {**restaurant_data(max_party_size=6, tables_combine=True), **tables})
    assert response.status_code == 302, form_errors(response)
    assert Restaurant.objects.get().tables.count() == 2


@pytest.mark.django_db
def test_combined_tables_still_limit_the_party_size(admin_client):
    tables = tables_data(new=[("T1", 2, "table"), ("T2", 4, "table")])

    response = admin_client.post(ADD_URL, {**restaurant_data(max_party_size=7, tables_combine=True), **tables})
    assert response.status_code == 200
    assert form_errors(response)["max_party_size"] == [
        "Maximum party size 7 is more than all tables together seat (6)."]
    assert not Restaurant.objects.exists()


@pytest.mark.django_db
def test_whole_counter_counts_as_one_unit(admin_client):
    tables = tables_data(new=[("T1", 2, "table")] + [(f"C{n}", 1, "counter") for n in range(1, 6)])

    response = admin_client.post(ADD_URL, {**restaurant_data(max_party_size=5), **tables})
    assert response.status_code == 302, form_errors(response)


@pytest.mark.django_db
def test_adding_a_larger_table_in_the_same_post_allows_the_larger_party(admin_client):
    restaurant = make_restaurant("bistro", tables=((2, "table"), (4, "table")), counter=0, max_party_size=4)
    t1, t2 = restaurant.tables.order_by("label")

    # Without the new table, 6 is refused ...
    post = {**existing_data(restaurant, max_party_size=6), **tables_data(existing=[(t1, {}), (t2, {})])}
    response = admin_client.post(change_url(restaurant), post)
    assert response.status_code == 200
    assert list(form_errors(response)) == ["max_party_size"]

    # ... with a 6-seat table added in the same POST it is valid, and the table is stored.
    post = {**existing_data(restaurant, max_party_size=6),
            **tables_data(existing=[(t1, {}), (t2, {})], new=[("T3", 6, "table")])}
    response = admin_client.post(change_url(restaurant), post)
    assert response.status_code == 302, form_errors(response)
    restaurant.refresh_from_db()
    assert restaurant.max_party_size == 6
    assert sorted(restaurant.tables.values_list("label", "seats")) == [("T1", 2), ("T2", 4), ("T3", 6)]


@pytest.mark.django_db
def test_deleting_the_largest_table_in_the_same_post_is_checked(admin_client):
    restaurant = make_restaurant("bistro", tables=((2, "table"), (6, "table")), counter=0, max_party_size=6)
    t1, t2 = restaurant.tables.order_by("label")

    post = {**existing_data(restaurant), **tables_data(existing=[(t1, {}), (t2, {"DELETE": True})])}
    response = admin_client.post(change_url(restaurant), post)
    assert response.status_code == 200
    assert "(2)" in form_errors(response)["max_party_size"][0]
    assert restaurant.tables.count() == 2

    # Shrinking a table is checked the same way.
    post = {**existing_data(restaurant), **tables_data(existing=[(t1, {}), (t2, {"seats": 5})])}
    response = admin_client.post(change_url(restaurant), post)
    assert response.status_code == 200
    assert "(5)" in form_errors(response)["max_party_size"][0]
    assert t2.seats == Table.objects.get(pk=t2.pk).seats == 6


@pytest.mark.django_db
def test_deleting_every_table_of_an_open_restaurant_is_refused(admin_client):
    restaurant = make_restaurant("bistro", tables=((4, "table"),), counter=0, max_party_size=4)
    (t1,) = restaurant.tables.all()

    post = {**existing_data(restaurant), **tables_data(existing=[(t1, {"DELETE": True})])}
    response = admin_client.post(change_url(restaurant), post)
    assert response.status_code == 200
    assert form_errors(response) == {"is_open": [NO_TABLES]}
    assert restaurant.tables.count() == 1

    # Closing it in the same POST is fine.
    post = {**existing_data(restaurant, is_open=False), **tables_data(existing=[(t1, {"DELETE": True})])}
    response = admin_client.post(change_url(restaurant), post)
    assert response.status_code == 302, form_errors(response)
    assert not restaurant.tables.exists()


@pytest.mark.django_db
def test_form_without_the_inline_checks_the_saved_tables(restaurant):
    """No tables management form in the data: the saved tables (largest 6, counter 4) count."""
    form = RestaurantAdminForm(data=existing_data(restaurant, max_party_size=7), instance=restaurant)
    assert not form.is_valid()
    assert list(form.errors) == ["max_party_size"]
    assert "(6)" in form.errors["max_party_size"][0]

    form = RestaurantAdminForm(data=existing_data(restaurant, max_party_size=6), instance=restaurant)
    assert form.is_valid(), form.errors


@pytest.mark.django_db
def test_invalid_party_size_is_reported_once(admin_client):
    post = {**restaurant_data(max_party_size=0), **tables_data(new=[("T1", 4, "table")])}
    response = admin_client.post(ADD_URL, post)
    assert response.status_code == 200
    assert len(form_errors(response)["max_party_size"]) == 1
    assert not Restaurant.objects.exists()


# --- table rules in the inline ---------------------------------------------------


@pytest.mark.django_db
def test_counter_seat_with_two_seats_is_refused_next_to_seats(admin_client):
    post = {**restaurant_data(is_open=False, max_party_size=2),
            **tables_data(new=[("T1", 2, "table"), ("C1", 2, "counter")])}
    response = admin_client.post(ADD_URL, post)

    assert response.status_code == 200
    errors = table_form_errors(response)
    assert errors[0] == {}
    assert errors[1] == {"seats": [COUNTER_SEATS]}
    assert COUNTER_SEATS in response.content.decode()
    assert not Restaurant.objects.exists()
    assert not Table.objects.exists()


@pytest.mark.django_db
def test_duplicate_table_labels_are_refused(admin_client):
    post = {**restaurant_data(), **tables_data(new=[("T1", 2, "table"), ("T1", 4, "table")])}
    response = admin_client.post(ADD_URL, post)
    assert response.status_code == 200
    assert not Restaurant.objects.exists()


# --- the layout cache sees inline changes ----------------------------------------


@pytest.mark.django_db
def test_changing_only_a_table_bumps_updated_at_and_the_layout(admin_client):
    restaurant = make_restaurant("bistro", tables=((2, "table"), (4, "table")), counter=0, max_party_size=4)
    t1, t2 = restaurant.tables.order_by("label")
    assert [u.seats for u in caches.layout(restaurant).units] == [2, 4]
    before = restaurant.updated_at

    post = {**existing_data(restaurant), **tables_data(existing=[(t1, {"seats": 3}), (t2, {})])}
    response = admin_client.post(change_url(restaurant), post)
    assert response.status_code == 302, form_errors(response)

    restaurant = Restaurant.objects.get(pk=restaurant.pk)
    assert restaurant.updated_at > before
    assert [u.seats for u in caches.layout(restaurant).units] == [3, 4]


@pytest.mark.django_db
def test_save_related_bumps_updated_at_after_the_tables_are_saved(admin_client, monkeypatch):
    """Not only through save_model: save_related itself touches updated_at when the inline
    changed something, so the cache key is newer than the tables it describes."""
    restaurant = make_restaurant("bistro", tables=((4, "table"),), counter=0, max_party_size=4)
    (t1,) = restaurant.tables.all()
    model_admin = admin.site._registry[Restaurant]
    stamps = {}

    original_save_model = type(model_admin).save_model

    def save_model(self, request, obj, form, change):
        original_save_model(self, request, obj, form, change)
        stamps["after save_model"] = Restaurant.objects.get(pk=obj.pk).updated_at

    monkeypatch.setattr(type(model_admin), "save_model", save_model)

    post = {**existing_data(restaurant), **tables_data(existing=[(t1, {})], new=[("T2", 2, "table")])}
    response = admin_client.post(change_url(restaurant), post)
    assert response.status_code == 302, form_errors(response)
    final = Restaurant.objects.get(pk=restaurant.pk).updated_at
    assert final > stamps["after save_model"] > restaurant.updated_at

    # Nothing changed in the inline: no second bump is needed (and none is made).
    stamps.clear()
    post = {**existing_data(restaurant), **tables_data(existing=[(t, {}) for t in restaurant.tables.all()])}
    response = admin_client.post(change_url(restaurant), post)
    assert response.status_code == 302, form_errors(response)
    assert Restaurant.objects.get(pk=restaurant.pk).updated_at == stamps["after save_model"]
