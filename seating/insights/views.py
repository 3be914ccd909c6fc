"""The manager's insights page: ``GET /host/<slug>/insights?start=YYYY-MM-DD&end=YYYY-MM-DD``."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from seating.views import staff_restaurant

from . import charts, queries
from .forms import MAX_DAYS, PeriodForm

TEMPLATE = "seating/insights.html"


@login_required
@require_GET
def insights(request, slug):
    restaurant = staff_restaurant(request, slug)
    zone = queries.zone_of(restaurant)
    form = PeriodForm.from_query(request.GET, today=timezone.now().astimezone(zone).date())
    context = {"restaurant": restaurant, "form": form, "zone": zone.key, "max_days": MAX_DAYS}
    if not form.is_valid():
        return render(request, TEMPLATE, context, status=400)
    report = queries.insights(restaurant, form.cleaned_data["start"], form.cleaned_data["end"])
    context["report"] = report
    if not report.empty:
        context["charts"] = {
            "waits": charts.waits_chart(report.hours),
            "rates": charts.rates_chart(report.buckets, weekly=report.period.weekly),
            "tables": charts.utilisation_chart(report.tables),
        }
    return render(request, TEMPLATE, context)
