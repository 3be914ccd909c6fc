"""Admin for restaurants, their tables, who hosts them, and the visit history.

A manager sets a restaurant's policies and floor plan here. The seating limits
(``Restaurant.seating_limits``) are checked against the tables as they will be once the
page is saved, i.e. with the table rows edited, added or deleted in the same POST, so an
open restaurant and its first tables can be created in one go.
"""

import copy

from django import forms
from django.conf import settings
from django.contrib import admin
from django.db.models import Count, Sum
from django.forms.models import inlineformset_factory
from django.urls import reverse
from django.utils.html import escape, format_html, format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from domain.strategies import STRATEGIES

from .models import EXAMPLE_SLUG, FloorAction, Restaurant, StaffMembership, Table, Visit

TABLE_FIELDS = ["label", "seats", "kind", "position"]
TABLES_PREFIX = "tables"  # default prefix of the inline: the related_name of Table.restaurant

# The same formset the admin inline builds (same fields and prefix), used only to read the
# table rows of a POST before the admin saves them.
TableFormSet = inlineformset_factory(Restaurant, Table, fields=TABLE_FIELDS)


def strategy_help_text() -> str:
    """The queue strategy's help text followed by every strategy's description."""
    field_help = Restaurant._meta.get_field("queue_strategy").help_text
    items = format_html_join(
        "", "<li><strong>{}</strong>: {}</li>",
        ((gettext(strategy.label), gettext(strategy.description)) for strategy in STRATEGIES.values()),
    )
    return format_html("{}<ul>{}</ul>", field_help, items)


def slug_help_text(request, slug: str) -> str:
    """The diner's link this slug makes, in full: where the site is served (SITE_URL, else
    the address this admin page came in on)."""
    base = settings.SITE_URL.rstrip("/") or request.build_absolute_uri("/").rstrip("/")
    link = escape(base + reverse("waitlist:page", args=[slug or EXAMPLE_SLUG]))  # the admin shows help as HTML
    if slug:
        return gettext("Lower-case letters, numbers and hyphens. The diner's link: %(link)s") % {"link": link}
    return gettext("Lower-case letters, numbers and hyphens, in the diner's link: %(slug)s gives %(link)s") % {
        "slug": EXAMPLE_SLUG, "link": link}


class RestaurantAdminForm(forms.ModelForm):
    """Checks the seating limits against the tables this POST will leave behind."""

    class Meta:
        model = Restaurant
        fields = "__all__"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "queue_strategy" in self.fields:
            # Built per form so the descriptions are translated in the request's language.
            self.fields["queue_strategy"].help_text = strategy_help_text()

    def saved_tables(self) -> list[tuple[int, str]]:
        if self.instance.pk is None:
            return []
        return list(self.instance.tables.values_list("seats", "kind"))

    def tables_after_save(self) -> list[tuple[int, str]]:
        """(seats, kind) of the restaurant's tables once this POST is saved.

        Uses the tables inline of the same POST when it is there and valid; otherwise the
        saved tables (an invalid inline is reported by the inline itself, and the admin
        saves nothing until it is fixed).
        """
        if f"{TABLES_PREFIX}-TOTAL_FORMS" not in self.data:
            return self.saved_tables()
        formset = TableFormSet(self.data, self.files, instance=self.instance, prefix=TABLES_PREFIX)
        if not formset.is_valid():
            return self.saved_tables()
        deleted = {id(form) for form in formset.deleted_forms}
        # Saved tables the POST does not mention stay as they are.
        after: dict[object, tuple[int, str]] = {}
        if self.instance.pk is not None:
            after = {pk: (seats, kind) for pk, seats, kind in self.instance.tables.values_list("pk", "seats", "kind")}
        for form in formset.initial_forms:
            if id(form) in deleted:
                after.pop(form.instance.pk, None)
            else:
                after[form.instance.pk] = (form.cleaned_data["seats"], form.cleaned_data["kind"])
        for number, form in enumerate(formset.extra_forms):
            if form.has_changed() and id(form) not in deleted:
                after[("new", number)] = (form.cleaned_data["seats"], form.cleaned_data["kind"])
        return list(after.values())

    def clean(self):
        cleaned_data = super().clean()
        # self.instance still holds the saved values here (the form copies its data onto
        # the instance only after clean()), so check a copy carrying the submitted values.
        probe = copy.copy(self.instance)
        model_fields = {field.name for field in Restaurant._meta.concrete_fields}
        for name, value in cleaned_data.items():
            if name in model_fields:
                setattr(probe, name, value)
        for field, message in probe.seating_limits(self.tables_after_save()).items():
            if field in self.fields:
                if field in cleaned_data:  # a field that failed its own validation says why already
                    self.add_error(field, message)
            else:
                self.add_error(None, message)
        return cleaned_data

    def _post_clean(self):
        # The model validation below ends in Restaurant.clean(), which runs the same
        # seating check against the tables saved *before* this POST: clean() above has
        # already checked the tables as they will be, so skip only that check here.
        self.instance.seating_limits = lambda tables: {}
        try:
            super()._post_clean()
        finally:
            del self.instance.seating_limits


class TableInline(admin.TabularInline):
    model = Table
    fields = TABLE_FIELDS
    extra = 1
    # Table.clean() (counter seats have seats=1) runs in each inline form's model
    # validation and reports next to the seats field.


@admin.register(Restaurant)
class RestaurantAdmin(admin.ModelAdmin):
    form = RestaurantAdminForm
    inlines = [TableInline]
    list_display = ["name", "slug", "is_open", "queue_strategy", "seating_policy", "max_party_size",
                    "capacity", "table_count"]
    list_filter = ["is_open", "queue_strategy", "seating_policy",
                   # Only the time zones in use, not all ~600 choices.
                   ("time_zone", admin.AllValuesFieldListFilter)]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    fieldsets = [
        (None, {"fields": ["name", "slug", "time_zone", "is_open", "phone", "country"]}),
        (_("Party limits"), {"fields": ["max_party_size", "tables_combine", "party_tags"]}),
        (_("Seating"), {"fields": ["queue_strategy", "seating_policy", "max_skips", "max_wait_minutes"]}),
        (_("Timers"), {"fields": ["checkin_timeout_minutes", "getting_close_minutes", "getting_close_threshold",
                                  "service_limit_minutes", "service_warning_minutes"]}),
        (_("Estimates"), {"fields": ["default_turn_minutes", "default_counter_turn_minutes"]}),
    ]

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)  # a new class on every call
        if "slug" in form.base_fields:
            form.base_fields["slug"].help_text = slug_help_text(request, obj.slug if obj else "")
        return form

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(
            _capacity=Sum("tables__seats"), _table_count=Count("tables"))

    @admin.display(description=_("total seats"), ordering="_capacity")
    def capacity(self, obj) -> int:
        return obj._capacity or 0

    @admin.display(description=_("tables"), ordering="_table_count")
    def table_count(self, obj) -> int:
        return obj._table_count

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # The per-process layout cache (restaurants/caches.py) is keyed on updated_at.
        # save_model() already bumped it, but before the tables were written: bump it again
        # now that they are, whenever the inline changed anything.
        if any(formset.new_objects or formset.changed_objects or formset.deleted_objects
               for formset in formsets):
            form.instance.save(update_fields=["updated_at"])


@admin.register(StaffMembership)
class StaffMembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "restaurant", "role"]
    list_filter = ["restaurant", "role"]
    list_select_related = ["user", "restaurant"]
    search_fields = ["user__username", "restaurant__name"]
    autocomplete_fields = ["user", "restaurant"]


@admin.register(Visit)
class VisitAdmin(admin.ModelAdmin):
    """The visit history is written by the app, exactly once per party: view and delete only."""

    list_display = ["restaurant", "party_number", "size", "preference", "outcome",
                    "joined_at", "seated_at", "ended_at"]
    list_filter = ["restaurant", "outcome", "preference"]
    list_select_related = ["restaurant"]
    date_hierarchy = "ended_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(FloorAction)
class FloorActionAdmin(admin.ModelAdmin):
    """The floor's action log (undo, pauses, quote changes, edits, moves), written by the app."""

    list_display = ["restaurant", "kind", "party_number", "detail", "at"]
    list_filter = ["restaurant", "kind"]
    list_select_related = ["restaurant"]
    date_hierarchy = "at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
