"""The diner's join form. Every error is reported on its own field."""

import re
import unicodedata

from django import forms
from django.utils.functional import lazy
from django.utils.translation import gettext, gettext_lazy as _

from restaurants.models import Preference

NAME_MAX = 60
REQUEST_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")


NAME_REQUIRED = _("Please enter a name for your party.")
NAME_CHARACTERS = _("The name can only contain letters, numbers, spaces and punctuation.")
NAME_TOO_LONG = lazy(
    lambda: gettext("Please keep the name to %(max)s characters or fewer.") % {"max": NAME_MAX}, str)()


def clean_party_name(value: str) -> str:
    name = unicodedata.normalize("NFC", value or "").strip()
    if any(unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Cn") for ch in name):
        raise forms.ValidationError(NAME_CHARACTERS)
    name = " ".join(name.split())
    if not name:
        raise forms.ValidationError(NAME_REQUIRED)
    if len(name) > NAME_MAX:
        raise forms.ValidationError(NAME_TOO_LONG)
    return name


def check_size(size: int, restaurant) -> int:
    if size < 1:
        raise forms.ValidationError(_("A party has at least one person."))
    if size > restaurant.max_party_size:
        raise forms.ValidationError(
            _("Parties of more than %(max)s cannot join online here. Please speak to the host.")
            % {"max": restaurant.max_party_size})
    return size


def quick_clean(data, *, restaurant, preferences) -> dict | None:
    """The join form's cleaned data by the same rules, without building the form: a
    Django form costs a good part of a join's CPU on a busy night. None when anything is
    wrong; the view then builds the form, which says what, next to each field."""
    try:
        raw_name = data.get("name", "")
        size_text = data.get("size", "").strip()
        if len(raw_name) > 200 or "\x00" in raw_name or not size_text.isdigit():
            return None
        request_id = data.get("request_id", "")
        if request_id and not REQUEST_ID.match(request_id):
            return None
        preference = data.get("preference", "")
        if preference not in preferences:
            return None
        return {"name": clean_party_name(raw_name), "size": check_size(int(size_text), restaurant),
                "preference": preference, "request_id": request_id}
    except forms.ValidationError:
        return None


class JoinForm(forms.Form):
    # The raw limit leaves room for spaces that clean_party_name collapses; its own checks
    # (and messages) run only after the field's, so those use the same words.
    name = forms.CharField(label=_("Name"), max_length=200, strip=False,
                           widget=forms.TextInput(attrs={"autocomplete": "name"}),
                           error_messages={"required": NAME_REQUIRED, "max_length": NAME_TOO_LONG,
                                           "null_characters_not_allowed": NAME_CHARACTERS})
    size = forms.IntegerField(label=_("Party size"), error_messages={"invalid": _("Enter the number of people.")})
    preference = forms.ChoiceField(label=_("Seating"), widget=forms.RadioSelect)
    request_id = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, restaurant, preferences, **kwargs):
        super().__init__(*args, **kwargs)
        self.restaurant = restaurant
        # Set here: CharField.widget_attrs would overwrite it with max_length (200).
        self.fields["name"].widget.attrs["maxlength"] = NAME_MAX
        self.fields["size"].widget = forms.NumberInput(attrs={"min": 1, "max": restaurant.max_party_size,
                                                              "inputmode": "numeric"})
        self.fields["preference"].choices = [(p, Preference(p).label) for p in preferences]
        if len(preferences) == 1:
            self.fields["preference"].initial = preferences[0]

    def clean_name(self):
        return clean_party_name(self.cleaned_data["name"])

    def clean_size(self):
        return check_size(self.cleaned_data["size"], self.restaurant)

    def clean_request_id(self):
        value = self.cleaned_data.get("request_id") or ""
        if value and not REQUEST_ID.match(value):
            raise forms.ValidationError(_("This form has expired. Please submit it again."))
        return value

