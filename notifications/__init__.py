"""Reaching diners away from their page: web push, text messages and email.

The live queue's scripts queue each message in the restaurant's outbox in the same step as
the change that causes it (waitlist/lua/, waitlist/outbox.py); the delivery worker here
(``manage.py run_notifier``) sends them through the providers in ``providers/`` and records
the outcome on the party, where the host sees it. The diner turns channels on and off and
answers (on my way, minutes away, leave) through ``views.py``; replies to a text come back
through the provider's webhook.
"""
