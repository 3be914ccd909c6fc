"""The services that carry messages to diners: text (sms.py), email (email.py), web push
(push.py). Each sends one message and returns the provider's id for it, or raises one of
these so the delivery worker knows whether to try again."""


class Retry(Exception):
    """The provider could not take the message now (down, slow, rate limited): try again."""


class Refused(Exception):
    """The provider will never take this message (a number that cannot get texts, a
    subscription that no longer exists): give up on this channel."""
