"""Domain errors of the waitlist. Views turn each into a clear message and a 4xx."""

from django.utils.translation import gettext_lazy as _


class WaitlistError(Exception):
    """Base class: ``message`` is what the diner or host reads; ``status`` the HTTP code."""

    message = _("That could not be done.")
    status = 409

    def __init__(self, message=None):
        if message is not None:
            self.message = message
        super().__init__(str(self.message))


class BadInput(WaitlistError):
    """The request itself is wrong (a missing or malformed field)."""

    message = _("Please check the form and try again.")
    status = 400


class RestaurantClosed(WaitlistError):
    message = _("This restaurant is not taking waitlist joins right now.")


class JoinsPaused(WaitlistError):
    message = _("The waitlist is paused for a moment. Please try again soon.")


class NothingToUndo(WaitlistError):
    message = _("That can no longer be undone.")


class NoMove(WaitlistError):
    message = _("That party cannot move that way: nobody it competes with for seats is there.")


class PartyTooLarge(WaitlistError):
    message = _("That party is larger than this restaurant can seat.")
    status = 400


class AlreadyWaiting(WaitlistError):
    message = _("You are already on this waitlist.")


class NotReady(WaitlistError):
    message = _("Your table is not ready yet, so there is nothing to check in to.")


class HoldExpired(WaitlistError):
    message = _("Your table hold has expired. Please speak to the host.")
    status = 410


class UnknownParty(WaitlistError):
    message = _("We could not find that party.")
    status = 404


class StaleAction(WaitlistError):
    """The party or table changed since the page was drawn (someone else acted first)."""

    message = _("That party or table has already changed. The page now shows the latest state.")


class TableBusy(StaleAction):
    message = _("That table is not free.")


class Rejoined(StaleAction):
    message = _("That guest has joined the waitlist again since; their new place stands.")


class NoFit(WaitlistError):
    message = _("No free table fits a waiting party right now.")


class RateLimited(WaitlistError):
    message = _("Too many joins from this device. Please wait a few minutes and try again.")
    status = 429


class NotReplicated(WaitlistError):
    """A Sentinel deployment could not confirm a replica has the change in time."""

    message = _("We could not confirm that in time. Please check the page before trying again.")
    status = 503


# Error codes raised by the Lua scripts (the first word of the error reply).
SCRIPT_ERRORS = {
    "ALREADY_WAITING": AlreadyWaiting,
    "UNKNOWN_PARTY": UnknownParty,
    "NOT_READY": NotReady,
    "HOLD_EXPIRED": HoldExpired,
    "NOT_WAITING": StaleAction,
    "NOT_DINING": StaleAction,
    "NOT_ACTIVE": StaleAction,
    "TABLE_BUSY": TableBusy,
    "ALREADY_READY": StaleAction,
    "ALREADY_CLEANING": StaleAction,
    "NO_TABLE": NoFit,
    "RATE_LIMITED": RateLimited,
    "PAUSED": JoinsPaused,
    "NO_UNDO": NothingToUndo,
    "NO_MOVE": NoMove,
    "NOT_ENDED": StaleAction,
    "REJOINED": Rejoined,
}
