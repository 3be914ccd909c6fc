import logging

from django.apps import AppConfig

log = logging.getLogger("waitlist")


class WaitlistConfig(AppConfig):
    name = "waitlist"
    verbose_name = "Waitlist"

    def ready(self) -> None:
        from django.db.models.signals import post_save

        from restaurants.models import Restaurant

        post_save.connect(_restaurant_saved, sender=Restaurant, dispatch_uid="waitlist.restaurant_saved")


def _restaurant_saved(sender, instance, created, raw=False, **kwargs) -> None:
    """A manager saved the restaurant (admin, or a policy on the floor): once the save
    commits, open pages are told, so a join page turns to "closed" when "is open" is unticked
    in admin, and the hold time shown is the new one. A new restaurant has no open page."""
    if created or raw:
        return
    from django.db import transaction

    def tell() -> None:
        from . import floor

        try:
            floor.row_saved(restaurant=instance)
        except Exception as exc:  # Redis away: pages catch up at the next change
            log.warning("restaurant %s saved; open pages not told (%s)", instance.pk, exc.__class__.__name__)

    transaction.on_commit(tell)
