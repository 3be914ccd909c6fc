"""Running the delivery of a restaurant's outbox in the test, without the worker's threads."""

from notifications import delivery
from waitlist import outbox


def deliver_all(restaurant, consumer: str = "test") -> list[delivery.Result]:
    """Claim and deliver every queued message once, in order."""
    results = []
    for message in outbox.read_new(restaurant.id, consumer):
        results.append(delivery.deliver(restaurant, message))
    return results
