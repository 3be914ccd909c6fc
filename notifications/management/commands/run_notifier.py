import signal

from django.core.management.base import BaseCommand

from notifications.worker import Notifier


class Command(BaseCommand):
    help = "Send the messages the live queue queues for diners (web push, text, email), with retries."

    def add_arguments(self, parser):
        parser.add_argument("--threads", type=int, default=None, help="Provider calls at once (NOTIFY_THREADS).")

    def handle(self, *args, threads, **options):
        notifier = Notifier(threads=threads)
        signal.signal(signal.SIGTERM, lambda *_: notifier.stopping.set() or notifier.wake.set())
        try:
            notifier.run_forever()
        except KeyboardInterrupt:
            pass
        finally:
            notifier.stop()
