from django.conf import settings
from django.core.management.base import BaseCommand

from seating.timers import Worker


class Command(BaseCommand):
    help = "Fire check-in holds and service timers, record finished visits, make automatic offers."

    def add_arguments(self, parser):
        parser.add_argument("--poll", type=float, default=settings.TIMER_POLL_SECONDS,
                            help="Seconds between passes (timers fire within this of their deadline).")

    def handle(self, *args, poll, **options):
        Worker().run_forever(poll)
