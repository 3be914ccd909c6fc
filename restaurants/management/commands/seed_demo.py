"""Create the demo restaurant and its users, once. Running it again changes nothing except
printing the credentials, which are kept in var/ (a development convenience only)."""

import secrets

from django.conf import settings
from django.contrib.auth.models import User
from django.core.management.base import BaseCommand
from django.db import transaction

from restaurants.models import Restaurant, StaffMembership, Table, TableKind

TABLES = [("T1", 2), ("T2", 2), ("T3", 2), ("T4", 4), ("T5", 4), ("T6", 4), ("T7", 6), ("T8", 8)]
COUNTER_SEATS = 6


class Command(BaseCommand):
    help = "Create the 'demo' restaurant with tables, counter seats, a host and an admin user."

    def handle(self, *args, **options):
        credentials = settings.VAR_DIR / "demo-credentials.txt"
        with transaction.atomic():
            restaurant, created = Restaurant.objects.get_or_create(
                slug="demo",
                defaults=dict(name="Demo Bistro", is_open=False, max_party_size=8, queue_strategy="first_fit",
                              seating_policy="host", checkin_timeout_minutes=10, getting_close_threshold=2,
                              service_limit_minutes=90, service_warning_minutes=10),
            )
            if created:
                for position, (label, seats) in enumerate(TABLES, start=1):
                    Table.objects.create(restaurant=restaurant, label=label, seats=seats, kind=TableKind.TABLE,
                                         position=position)
                for seat in range(1, COUNTER_SEATS + 1):
                    Table.objects.create(restaurant=restaurant, label=f"Bar {seat}", seats=1,
                                         kind=TableKind.COUNTER, position=100 + seat)
                restaurant.is_open = True
                restaurant.save()
            passwords = self._passwords(credentials)
            host = self._user("host", passwords["host"], staff=False)
            StaffMembership.objects.get_or_create(user=host, restaurant=restaurant)
            self._user("admin", passwords["admin"], staff=True)
        self.stdout.write(f"demo restaurant: {restaurant.name} ({'created' if created else 'already there'})")
        self.stdout.write(f"host login:  host / {passwords['host']}")
        self.stdout.write(f"admin login: admin / {passwords['admin']}")

    def _passwords(self, path):
        if path.exists():
            pairs = dict(line.split(" ", 1) for line in path.read_text().splitlines() if " " in line)
            if {"host", "admin"} <= pairs.keys():
                return pairs
        pairs = {"host": secrets.token_urlsafe(9), "admin": secrets.token_urlsafe(9)}
        path.write_text("".join(f"{k} {v}\n" for k, v in pairs.items()))
        path.chmod(0o600)
        return pairs

    def _user(self, username, password, *, staff):
        user, created = User.objects.get_or_create(username=username)
        if created or not user.check_password(password):
            user.set_password(password)
        user.is_staff = staff
        user.is_superuser = staff
        user.save()
        return user
