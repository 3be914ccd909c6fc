"""The manager's insights page: ``GET /host/<slug>/insights?start=YYYY-MM-DD&end=YYYY-MM-DD``,
and its tables as CSV: ``GET /host/<slug>/insights/<name>.csv`` with the same dates."""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from seating.views import staff_restaurant

from . import charts, export, queries
from .floor_actions import floor_action_counts
from .forms import MAX_DAYS, PeriodForm

TEMPLATE = "seating/insights.html"


@login_required
@require_safe
def insights(request, slug):
    restaurant = staff_restaurant(request, slug)
    zone = queries.zone_of(restaurant)
    form = PeriodForm.from_query(request.GET, today=timezone.now().astimezone(zone).date())
    context = {"restaurant": restaurant, "form": form, "zone": zone.key, "max_days": MAX_DAYS}
    if not form.is_valid():
        return render(request, TEMPLATE, context, status=400)
    report = queries.insights(restaurant, form.cleaned_data["start"], form.cleaned_data["end"])
    context["report"] = report
    context["exports"] = export.EXPORTS
    context["floor_actions"] = floor_action_counts(restaurant, report.period)
    if not report.empty:
        context["charts"] = {
            "waits": charts.waits_chart(report.hours),
            "rates": charts.rates_chart(report.buckets, weekly=report.period.weekly),
            "tables": charts.utilisation_chart(report.tables),
        }
    return render(request, TEMPLATE, context)


@login_required
@require_safe
def insights_csv(request, slug, name):
    """One of ``export.EXPORTS`` for the period the page shows: the same checks, the same numbers."""
    if name not in export.EXPORTS:
        raise Http404
    restaurant = staff_restaurant(request, slug)
    zone = queries.zone_of(restaurant)
    form = PeriodForm.from_query(request.GET, today=timezone.now().astimezone(zone).date())
    if not form.is_valid():
        problems = " ".join(str(e) for errors in form.errors.values() for e in errors)
        return HttpResponse(problems, status=400, content_type="text/plain; charset=utf-8")
    start, end = form.cleaned_data["start"], form.cleaned_data["end"]
    header, rows = export.EXPORTS[name].rows(restaurant, queries.insights(restaurant, start, end))
    # With a byte-order mark, spreadsheet programs read the file as UTF-8 (accents, "×").
    response = HttpResponse("\ufeff" + export.to_csv(header, rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{restaurant.slug}-{name}-{start}-{end}.csv"'
    return response
