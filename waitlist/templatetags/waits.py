"""Wait quotes as the templates show them. An open-ended quote, ``(low, None)``, means "more
than ``low`` minutes", shown in whole hours: ``{{ wait.0|hours }}``."""

from django import template

register = template.Library()


@register.filter
def hours(minutes) -> int:
    return int(minutes) // 60
