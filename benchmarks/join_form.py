"""Why the join form shares its fields (waitlist/forms.py): a Django form deep-copies its
fields for every instance, so that an instance may change them; the join form's never
change once made for a restaurant's configuration, so every form of that configuration
uses them as they are.

Measures the CPU of validating one join's POST data with the form as it is, against the
same form taking Django's path (a deep copy of the same fields per form), alternating.
"""

from .harness import Result, interleaved

TARGET = 0.7


def run() -> list[Result]:
    from django import forms
    from django.http import QueryDict

    from restaurants.models import Restaurant
    from waitlist.forms import JoinForm, _fields_for

    restaurant = Restaurant(max_party_size=8)
    preferences = ("table", "counter", "either")
    data = QueryDict("name=Ann+Lee&size=2&preference=table&request_id=abcdef0123456789&csrfmiddlewaretoken=x")

    class CopiedFields(JoinForm):
        def __init__(self, *args, restaurant, preferences, **kwargs):
            # The same fields as a plain dict: Django's BaseForm deep-copies them, as for any form.
            self.base_fields = dict(_fields_for(restaurant.max_party_size, preferences))
            forms.Form.__init__(self, *args, label_suffix="", **kwargs)
            self.restaurant = restaurant

    def validate(form_class):
        form = form_class(data, restaurant=restaurant, preferences=preferences)
        assert form.is_valid(), form.errors
        return form.cleaned_data

    times = interleaved({"shared": lambda: validate(JoinForm), "copied": lambda: validate(CopiedFields)},
                        repeat=3000, warmup=300)
    return [Result("join form validation CPU, shared fields / Django's per-form copy",
                   times["shared"] / times["copied"], target=TARGET,
                   raw={"shared_us": times["shared"] * 1e6, "copied_us": times["copied"] * 1e6})]
