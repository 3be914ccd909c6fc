"""Admin for staff memberships (who may host which restaurant) and the read-only visits."""

import datetime

import pytest
from django.contrib import admin
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from restaurants.models import StaffMembership, Visit


@pytest.mark.django_db
def test_staff_membership_pages_render(admin_client, host, restaurant):
    response = admin_client.get(reverse("admin:restaurants_staffmembership_changelist"),
                                {"restaurant__id__exact": restaurant.pk})
    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == [StaffMembership.objects.get()]
    assert admin_client.get(reverse("admin:restaurants_staffmembership_add")).status_code == 200
    membership = StaffMembership.objects.get()
    assert admin_client.get(
        reverse("admin:restaurants_staffmembership_change", args=[membership.pk])).status_code == 200


@pytest.fixture
def visit(restaurant):
    ended = timezone.now()
    return Visit.objects.create(
        restaurant=restaurant, token="tok-1", party_number=7, size=2, preference="table",
        outcome="completed", joined_at=ended - datetime.timedelta(minutes=70),
        seated_at=ended - datetime.timedelta(minutes=60), ended_at=ended)


@pytest.mark.django_db
def test_visit_admin_is_read_only(admin_client, admin_user, visit):
    model_admin = admin.site._registry[Visit]
    request = RequestFactory().get("/")
    request.user = admin_user
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request, visit)
    assert model_admin.has_view_permission(request, visit)
    assert model_admin.has_delete_permission(request, visit)

    assert admin_client.get(reverse("admin:restaurants_visit_add")).status_code == 403
    response = admin_client.get(reverse("admin:restaurants_visit_changelist"),
                                {"outcome__exact": "completed", "preference__exact": "table"})
    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == [visit]
    response = admin_client.get(reverse("admin:restaurants_visit_changelist"),
                                {"ended_at__year": visit.ended_at.year})  # the date hierarchy
    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == [visit]

    change = reverse("admin:restaurants_visit_change", args=[visit.pk])
    response = admin_client.get(change)
    assert response.status_code == 200
    assert not response.context["has_change_permission"]
    response = admin_client.post(change, {"size": 9})
    assert response.status_code == 403
    visit.refresh_from_db()
    assert visit.size == 2

    response = admin_client.post(reverse("admin:restaurants_visit_delete", args=[visit.pk]), {"post": "yes"})
    assert response.status_code == 302
    assert not Visit.objects.exists()
