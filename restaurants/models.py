"""Restaurants, their tables and policies, who hosts them, and the durable visit history.

These live in the database and change rarely (a manager edits them in admin). The live
queue and table states are in Redis (see waitlist/queue.py).
"""

import zoneinfo

import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from domain import values
from domain.strategies import STRATEGIES

TIME_ZONE_CHOICES = [(name, name) for name in sorted(zoneinfo.available_timezones())]
EXAMPLE_SLUG = "bistro-verde"


def default_time_zone() -> str:
    """A new restaurant's time zone: the server's TIME_ZONE setting (a callable, so that the
    migrations do not freeze the value the setting had when they were made)."""
    return settings.TIME_ZONE


class SeatingPolicy(models.TextChoices):
    AUTOMATIC = "auto", _("Automatic offers")
    HOST = "host", _("Host confirms each offer")


class Preference(models.TextChoices):
    TABLE = values.TABLE, _("Table")
    COUNTER = values.COUNTER, _("Counter")
    EITHER = values.EITHER, _("Either, whichever is first")


class TableKind(models.TextChoices):
    TABLE = values.TABLE, _("Table")
    COUNTER = values.COUNTER, _("Counter seat")


# The strategy registry gives the model its choices (and the admin its help text).
DEFAULT_PARTY_TAGS = "high chair, wheelchair, birthday, VIP"
STRATEGY_CHOICES = [(key, _(strategy.label)) for key, strategy in STRATEGIES.items()]


class Restaurant(models.Model):
    slug = models.SlugField(unique=True, help_text=_(
        "Lower-case letters, numbers and hyphens, in the diner's link: the slug bistro-verde gives "
        "/waitlist/bistro-verde/."))
    name = models.CharField(max_length=120)
    time_zone = models.CharField(
        max_length=64, choices=TIME_ZONE_CHOICES, default=default_time_zone,
        help_text=_("Where the restaurant is, for example Europe/Madrid: check-in times told to diners, the "
                    "host's floor and the days of the insights are in this zone. A new restaurant starts with "
                    "the server's TIME_ZONE setting."))
    phone = models.CharField(
        _("phone"), max_length=32, blank=True,
        help_text=_("How diners reach the restaurant: shown when their hold expires or the host removes them."))
    country = models.CharField(
        _("country"), max_length=2, default="US", blank=True,
        help_text=_("Two-letter country code (ISO 3166): diners' phone numbers without a +country prefix "
                    "are read as numbers of this country."))
    is_open = models.BooleanField(
        _("open for joins"), default=False,
        help_text=_("When off, diners cannot join; parties already waiting keep their place."))
    max_party_size = models.PositiveSmallIntegerField(
        default=6, validators=[MinValueValidator(1), MaxValueValidator(50)],
        help_text=_("Largest party that may join remotely. Cannot exceed the largest table "
                    "unless tables may be combined."))
    tables_combine = models.BooleanField(
        _("tables may be combined"), default=False,
        help_text=_("Allow a large party to be seated at several free tables pushed together."))
    queue_strategy = models.CharField(
        max_length=20, choices=STRATEGY_CHOICES, default="first_fit",
        help_text=_("How the next party is chosen when a table frees up."))
    seating_policy = models.CharField(
        max_length=10, choices=SeatingPolicy.choices, default=SeatingPolicy.HOST,
        help_text=_("Automatic: a freed table is offered at once to the party the strategy picks. "
                    "Host confirms: the dashboard suggests the party and the host clicks to offer."))
    max_skips = models.PositiveSmallIntegerField(
        default=3, validators=[MaxValueValidator(50)],
        help_text=_("Fairness guard: after a party has been passed over this many times, tables "
                    "that fit it are kept for it."))
    max_wait_minutes = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1)],
        help_text=_("Fairness guard: a party waiting longer than this is seated before anyone "
                    "behind it. Leave empty to use only the skip count."))
    checkin_timeout_minutes = models.PositiveSmallIntegerField(
        _("check-in timeout (minutes)"), default=10, validators=[MinValueValidator(1), MaxValueValidator(120)],
        help_text=_("How long a table is held for a notified party before it counts as a no-show."))
    getting_close_minutes = models.PositiveSmallIntegerField(
        _("'getting close' threshold (minutes)"), default=15, validators=[MinValueValidator(1), MaxValueValidator(240)],
        help_text=_("Diners are told to head over when their estimated wait, at its longest, is this many "
                    "minutes or less (or a table is about to free up for them)."))
    getting_close_threshold = models.PositiveSmallIntegerField(
        _("'getting close' threshold (parties ahead)"), default=2, validators=[MaxValueValidator(100)],
        help_text=_("Used only while there is no estimate for a party: it is then told to head over "
                    "when this many parties or fewer are ahead of it."))
    service_limit_minutes = models.PositiveSmallIntegerField(
        _("service time limit (minutes)"), null=True, blank=True, validators=[MinValueValidator(5)],
        help_text=_("Optional limit on a seating. Leave empty for no limit."))
    service_warning_minutes = models.PositiveSmallIntegerField(
        _("warning before the limit (minutes)"), default=10, validators=[MinValueValidator(1)],
        help_text=_("How long before the service limit the table is warned, and the next party "
                    "that fits is told a table is about to free up."))
    default_turn_minutes = models.PositiveSmallIntegerField(
        _("default table turn (minutes)"), default=60, validators=[MinValueValidator(5), MaxValueValidator(600)],
        help_text=_("Expected meal length at a table before there is enough history to learn it."))
    default_counter_turn_minutes = models.PositiveSmallIntegerField(
        _("default counter turn (minutes)"), default=40, validators=[MinValueValidator(5), MaxValueValidator(600)],
        help_text=_("Expected time at the counter before there is enough history to learn it."))
    party_tags = models.CharField(
        _("party tags"), max_length=300, blank=True, default=DEFAULT_PARTY_TAGS,
        help_text=_("Tags the host may put on a party, separated by commas (high chair, wheelchair, birthday, VIP)."))
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        self._forget_cached()

    def delete(self, *args, **kwargs):
        result = super().delete(*args, **kwargs)
        self._forget_cached()
        return result

    def _forget_cached(self) -> None:
        # The per-process cache (restaurants/caches.py) must not serve the old row here.
        from .caches import forget

        forget(self.slug)

    @property
    def tag_list(self) -> list[str]:
        return [tag.strip() for tag in self.party_tags.split(",") if tag.strip()]

    @property
    def total_capacity(self) -> int:
        return sum(table.seats for table in self.tables.all())

    def seating_limits(self, tables: list[tuple[int, str]]) -> dict[str, str]:
        """Check the policy against (seats, kind) of its tables, saved or about to be saved."""
        errors = {}
        if self.is_open and not tables:
            errors["is_open"] = _("A restaurant with no tables cannot open: add a table first.")
        if tables:
            table_seats = [seats for seats, kind in tables if kind == TableKind.TABLE]
            counter_seats = sum(seats for seats, kind in tables if kind == TableKind.COUNTER)
            largest_table = (sum(table_seats) if self.tables_combine else max(table_seats, default=0))
            # Counter seats adjoin, so the whole counter can seat one party.
            limit = max(largest_table, counter_seats)
            if self.max_party_size > limit:
                if self.tables_combine:
                    message = _("Maximum party size %(size)s is more than all tables together seat (%(limit)s).")
                else:
                    message = _("Maximum party size %(size)s is more than the largest table or the whole "
                                "counter seats (%(limit)s). Lower it, add a larger table, or allow tables "
                                "to be combined.")
                errors["max_party_size"] = message % {"size": self.max_party_size, "limit": limit}
        return errors

    def clean(self) -> None:
        tables = list(self.tables.values_list("seats", "kind")) if self.pk else []
        errors = self.seating_limits(tables)
        self.country = (self.country or "US").upper()
        if self.country not in phonenumbers.SUPPORTED_REGIONS:
            errors["country"] = _("Use a two-letter country code, such as US, GB or ES.")
        elif self.phone:
            try:
                number = phonenumbers.parse(self.phone, self.country)
            except phonenumbers.NumberParseException:
                number = None
            if number is None or not phonenumbers.is_valid_number(number):
                errors["phone"] = _("That is not a phone number we can call.")
        if errors:
            raise ValidationError(errors)


class Table(models.Model):
    """A unit that one party occupies at a time.

    Counter seats are one row per seat (seats = 1, ordered by ``position``): a counter party
    of three takes three adjoining free seats, so the counter seats a 1, a 2 and a 3 side by
    side the way a bar really does, and every row is still either free or used by exactly
    one party, which keeps the table states and the seating logic uniform.
    """

    restaurant = models.ForeignKey(Restaurant, on_delete=models.CASCADE, related_name="tables")
    label = models.CharField(max_length=20, help_text=_("What the host calls it: 'T4', 'Patio 2', 'Bar 3'."))
    seats = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(30)])
    kind = models.CharField(max_length=10, choices=TableKind.choices, default=TableKind.TABLE)
    position = models.PositiveSmallIntegerField(
        default=0, help_text=_("Order on the floor plan; counter seats with neighbouring positions adjoin."))

    class Meta:
        ordering = ["kind", "position", "label"]
        constraints = [
            models.UniqueConstraint(fields=["restaurant", "label"], name="unique_table_label"),
        ]

    def __str__(self) -> str:
        return f"{self.label} ({self.seats})"

    def clean(self) -> None:
        if self.kind == TableKind.COUNTER and self.seats != 1:
            raise ValidationError({"seats": _("Counter seats are one row per seat: use 1.")})


class StaffRole(models.TextChoices):
    HOST = "host", _("Host")
    MANAGER = "manager", _("Manager")


class StaffMembership(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    restaurant = models.ForeignKey(Restaurant, on_delete=models.CASCADE, related_name="staff")
    role = models.CharField(
        _("role"), max_length=10, choices=StaffRole.choices, default=StaffRole.HOST,
        help_text=_("Host: runs the floor (seats, notifies, pauses joins, edits parties). Manager: all of that, "
                    "and may also change the restaurant's policies from the floor, such as the hold time."))

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "restaurant"], name="unique_membership")]

    def __str__(self) -> str:
        return f"{self.user} hosts {self.restaurant}"


class FloorActionKind(models.TextChoices):
    UNDO = "undo", _("Undone")
    PAUSE = "pause", _("Joins paused")
    RESUME = "resume", _("Joins resumed")
    CLOSE = "close", _("Closed for the night")
    OPEN = "open", _("Opened for joins")
    QUOTE = "quote", _("Quotes adjusted")
    EDIT = "edit", _("Party edited")
    MOVE = "move", _("Party moved")


class FloorAction(models.Model):
    """A host's change on the floor that is not a party's end (those are visits), for insights:
    copied from the live queue's action log exactly once (waitlist/floor_log.py)."""

    restaurant = models.ForeignKey(Restaurant, on_delete=models.CASCADE, related_name="floor_actions")
    entry = models.CharField(max_length=40, help_text=_("The live queue's id of the entry."))
    kind = models.CharField(max_length=10, choices=FloorActionKind.choices)
    party_number = models.PositiveIntegerField(null=True, blank=True)
    detail = models.CharField(max_length=300, blank=True)
    at = models.DateTimeField()

    class Meta:
        ordering = ["-at"]
        constraints = [models.UniqueConstraint(fields=["restaurant", "entry"], name="unique_floor_action")]

    def __str__(self) -> str:
        return f"{self.kind} at {self.restaurant}"


class Outcome(models.TextChoices):
    COMPLETED = values.COMPLETED, _("Seated and completed")
    LEFT = values.LEFT, _("Left the waitlist")
    EXPIRED = values.EXPIRED, _("No-show (hold expired)")


class Visit(models.Model):
    """One row per party that reached an end state, written exactly once (unique token)."""

    restaurant = models.ForeignKey(Restaurant, on_delete=models.CASCADE, related_name="visits")
    token = models.CharField(max_length=40, unique=True)
    party_number = models.PositiveIntegerField()
    size = models.PositiveSmallIntegerField()
    preference = models.CharField(max_length=10, choices=Preference.choices)
    source = models.CharField(max_length=10, default="remote")
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    reason = models.CharField(max_length=20, blank=True)
    tables = models.CharField(max_length=200, blank=True, help_text=_("Labels of the tables used."))
    table_seats = models.PositiveSmallIntegerField(null=True, blank=True)
    table_kind = models.CharField(max_length=10, blank=True)
    skips = models.PositiveSmallIntegerField(default=0)
    guest_key = models.CharField(
        max_length=32, blank=True, db_index=True,
        help_text=_("A keyed hash of the diner's phone or email, to count repeat guests; not the contact itself."))
    quoted_low = models.PositiveSmallIntegerField(null=True, blank=True)
    quoted_high = models.PositiveSmallIntegerField(null=True, blank=True)
    joined_at = models.DateTimeField()
    notified_at = models.DateTimeField(null=True, blank=True)
    seated_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField()

    class Meta:
        ordering = ["-ended_at"]
        indexes = [models.Index(fields=["restaurant", "ended_at"])]

    def __str__(self) -> str:
        return f"party {self.party_number} at {self.restaurant}: {self.outcome}"

    @property
    def waited_minutes(self) -> float | None:
        if self.seated_at is None:
            return None
        return (self.seated_at - self.joined_at).total_seconds() / 60

    @property
    def turn_minutes(self) -> float | None:
        if self.seated_at is None or self.outcome != Outcome.COMPLETED:
            return None
        return (self.ended_at - self.seated_at).total_seconds() / 60
