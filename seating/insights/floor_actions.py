"""How often the floor was corrected in a period: undos, pauses, quote changes, edits and
moves, from the floor's action log (restaurants.models.FloorAction)."""

from django.db.models import Count

from restaurants.models import FloorAction, FloorActionKind, Restaurant

from .queries import Period


def floor_action_counts(restaurant: Restaurant, period: Period) -> list[tuple[str, int]]:
    """(label, count) for each kind of action, in the order of FloorActionKind; kinds that
    did not happen are left out."""
    counts = dict(FloorAction.objects.filter(restaurant=restaurant, at__gte=period.starts_at, at__lt=period.ends_at)
                  .values_list("kind").annotate(n=Count("id")).values_list("kind", "n"))
    return [(str(kind.label), counts[kind.value]) for kind in FloorActionKind if counts.get(kind.value)]
