"""The diner's join form, the one validator of a join (the host's walk-in form is the same
form). Every error is reported on its own field."""

import copy
import re
import unicodedata
from functools import lru_cache

import phonenumbers
from django import forms
from django.utils.functional import lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from domain.values import NAME_MAX
from restaurants.models import Preference

REQUEST_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")


NAME_REQUIRED = _("Please enter a name for your party.")
NAME_CHARACTERS = _("The name can only contain letters, numbers, spaces and punctuation.")
NAME_TOO_LONG = lazy(
    lambda: gettext("Please keep the name to %(max)s characters or fewer.") % {"max": NAME_MAX}, str)()


# Names as people write them: letters and marks of any script, and emoji. Refused: control
# and format characters (bidi overrides and isolates, zero-width spaces, soft hyphens),
# private-use, surrogates and code points unassigned in this Python's Unicode, and U+FFFD,
# which stands for text lost on the way (a form body that was not UTF-8). Two format
# characters are part of how names are written: the zero-width joiner and non-joiner
# (Persian, Indic scripts, emoji sequences such as families), allowed after a character of
# the name, never first or last; and tags, only inside a flag's tag sequence (England's).
REFUSED_CATEGORIES = frozenset(("Cc", "Cf", "Cs", "Co", "Cn"))
JOINERS = frozenset(("\u200c", "\u200d"))
FLAG_TAG_SEQUENCE = re.compile("\U0001F3F4[\U000E0020-\U000E007E]+\U000E007F")


def _writes_a_name(name: str) -> bool:
    name = FLAG_TAG_SEQUENCE.sub("\U0001F3F4", name)
    for i, ch in enumerate(name):
        if ch in JOINERS:
            if i == 0 or i == len(name) - 1 or name[i - 1].isspace() or name[i - 1] in JOINERS:
                return False
        elif ch == "\ufffd" or unicodedata.category(ch) in REFUSED_CATEGORIES:
            return False
    return True


def clean_party_name(value: str) -> str:
    name = unicodedata.normalize("NFC", value or "").strip()
    if not _writes_a_name(name):
        raise forms.ValidationError(NAME_CHARACTERS)
    name = " ".join(name.split())
    if not name:
        raise forms.ValidationError(NAME_REQUIRED)
    if len(name) > NAME_MAX:
        raise forms.ValidationError(NAME_TOO_LONG)
    return name


def clean_phone(value: str, country: str) -> str:
    """A mobile number as the diner types it ("07700 900123", "+44 7700 900123"), written
    as E.164 ("+447700900123"); numbers without a +country prefix are read as the
    restaurant's country's."""
    value = (value or "").strip()
    if not value:
        return ""
    try:
        number = phonenumbers.parse(value, (country or "US").upper())
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        raise forms.ValidationError(_("That does not look like a phone number. Include the country code "
                                      "if it is not a local number."))
    if phonenumbers.number_type(number) not in (phonenumbers.PhoneNumberType.MOBILE,
                                                 phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE):
        raise forms.ValidationError(_("Please give a mobile number: we send a text message."))
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def check_size(size: int, restaurant) -> int:
    if size < 1:
        raise forms.ValidationError(_("A party has at least one person."))
    if size > restaurant.max_party_size:
        raise forms.ValidationError(
            _("Parties of more than %(max)s cannot join online here. Please speak to the host.")
            % {"max": restaurant.max_party_size})
    return size


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
    phone = forms.CharField(label=_("Mobile number, for a text when your table is ready"), required=False,
                            max_length=32, widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel",
                                                                         "type": "tel"}))
    email = forms.EmailField(label=_("Email, if you prefer"), required=False, max_length=254,
                             widget=forms.EmailInput(attrs={"autocomplete": "email"}))

    def __init__(self, *args, restaurant, preferences, **kwargs):
        # The fields as this restaurant needs them, made once per party limit and choice of
        # seating and shared by every form: a Django form deep-copies its fields for each
        # instance so that __init__ may change them, and these never change once made.
        # `make bench` (join_form) keeps the saving measured: about 30 against 75 µs of CPU per
        # validated join in the run that added it.
        self.base_fields = _fields_for(restaurant.max_party_size, tuple(preferences))
        kwargs.setdefault("label_suffix", "")  # the templates write the labels themselves
        super().__init__(*args, **kwargs)
        self.restaurant = restaurant

    def clean_name(self):
        return clean_party_name(self.cleaned_data["name"])

    def clean_size(self):
        return check_size(self.cleaned_data["size"], self.restaurant)

    def clean_phone(self):
        return clean_phone(self.cleaned_data.get("phone", ""), self.restaurant.country)

    def clean_request_id(self):
        value = self.cleaned_data.get("request_id") or ""
        if value and not REQUEST_ID.match(value):
            raise forms.ValidationError(_("This form has expired. Please submit it again."))
        return value



class _SharedFields(dict):
    """Fields that every form of one configuration uses as they are: copied shallowly."""

    def __deepcopy__(self, memo):
        return dict(self)


@lru_cache(maxsize=256)
def _fields_for(max_party_size: int, preferences: tuple[str, ...]) -> _SharedFields:
    fields = copy.deepcopy(JoinForm.declared_fields)
    # Set here: CharField.widget_attrs would overwrite it with max_length (200).
    fields["name"].widget.attrs["maxlength"] = NAME_MAX
    fields["size"].widget = forms.NumberInput(attrs={"min": 1, "max": max_party_size, "inputmode": "numeric"})
    fields["preference"].choices = [(p, Preference(p).label) for p in preferences]
    if len(preferences) == 1:
        fields["preference"].initial = preferences[0]
    return _SharedFields(fields)
