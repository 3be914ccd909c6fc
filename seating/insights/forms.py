"""The period form of the insights page: two dates in the restaurant's time zone."""

from datetime import date, timedelta

from django import forms
from django.utils.translation import gettext_lazy as _

MAX_DAYS = 366
# Outside these the period's midnights cannot always be converted between time zones
# (year 1 or 9999 overflow), and nothing was recorded then anyway.
EARLIEST = date(2000, 1, 1)
LATEST = date(2999, 12, 31)
DEFAULT_DAYS = 7


class DateInput(forms.DateInput):
    input_type = "date"


class PeriodForm(forms.Form):
    start = forms.DateField(label=_("From"), input_formats=["%Y-%m-%d"], widget=DateInput(format="%Y-%m-%d"),
                            error_messages={"invalid": _("Enter a date as YYYY-MM-DD.")})
    end = forms.DateField(label=_("To (inclusive)"), input_formats=["%Y-%m-%d"], widget=DateInput(format="%Y-%m-%d"),
                          error_messages={"invalid": _("Enter a date as YYYY-MM-DD.")})

    @classmethod
    def from_query(cls, params, *, today: date) -> "PeriodForm":
        """Bound to the query string, a missing date taking its default: the period ends
        today and covers seven days. An empty date is an error, not a default: the manager
        cleared it, and silently showing another period would mislead."""
        data = {"end": params.get("end", today.isoformat())}
        if "start" in params:
            data["start"] = params["start"]
        else:
            end = _parse(data["end"]) or today
            data["start"] = (end - timedelta(days=DEFAULT_DAYS - 1)).isoformat() if end > EARLIEST else end.isoformat()
        return cls(data)

    def _bounded(self, name: str) -> date | None:
        value = self.cleaned_data.get(name)
        if value is not None and not EARLIEST <= value <= LATEST:
            raise forms.ValidationError(_("Choose a date between %(first)s and %(last)s."),
                                        params={"first": EARLIEST.isoformat(), "last": LATEST.isoformat()})
        return value

    def clean_start(self):
        return self._bounded("start")

    def clean_end(self):
        return self._bounded("end")

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end:
            if start > end:
                self.add_error("end", _("The end date must be on or after the start date."))
            elif (end - start).days + 1 > MAX_DAYS:
                self.add_error("end", _("Choose at most %(days)s days.") % {"days": MAX_DAYS})
        return data

    def full_clean(self):
        super().full_clean()
        # Screen readers announce the message with the field it belongs to.
        for name in self.errors:
            if name in self.fields:
                self.fields[name].widget.attrs["aria-describedby"] = f"{name}-error"


def _parse(value: str) -> date | None:
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        return None
