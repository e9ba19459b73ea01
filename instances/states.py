"""The instance state machine: every allowed transition, in one table."""
from django.db import models


class State(models.TextChoices):
    PENDING = "PENDING"
    BUILDING = "BUILDING"
    STARTING = "STARTING"
    ACTIVE = "ACTIVE"
    STOPPING = "STOPPING"
    STOPPED = "STOPPED"
    REBOOTING = "REBOOTING"
    DELETING = "DELETING"
    DELETED = "DELETED"
    ERROR = "ERROR"
    UNKNOWN = "UNKNOWN"


S = State
TRANSITIONS = {
    S.PENDING: {S.BUILDING, S.DELETING, S.ERROR},
    S.BUILDING: {S.STARTING, S.ACTIVE, S.DELETING, S.ERROR, S.UNKNOWN},
    S.STARTING: {S.ACTIVE, S.STOPPING, S.DELETING, S.ERROR, S.UNKNOWN},
    S.ACTIVE: {S.STOPPING, S.STOPPED, S.REBOOTING, S.DELETING, S.ERROR, S.UNKNOWN},  # STOPPED: outside visa
    S.STOPPING: {S.STOPPED, S.DELETING, S.ERROR, S.UNKNOWN},
    S.STOPPED: {S.STARTING, S.ACTIVE, S.DELETING, S.ERROR, S.UNKNOWN},  # ACTIVE: started outside visa
    S.REBOOTING: {S.ACTIVE, S.DELETING, S.ERROR, S.UNKNOWN},
    S.DELETING: {S.DELETED, S.ERROR, S.UNKNOWN},
    S.DELETED: set(),
    S.ERROR: {S.DELETING, S.ACTIVE, S.STOPPED},
    S.UNKNOWN: {S.BUILDING, S.STARTING, S.ACTIVE, S.STOPPING, S.STOPPED, S.REBOOTING, S.DELETING, S.DELETED, S.ERROR},
}
# States that hold a share of the user's quota.
LIVE = [s for s in State if s not in (S.DELETED, S.ERROR)]


class IllegalTransition(Exception):
    pass


def check(current: str, new: str) -> None:
    if new not in TRANSITIONS[State(current)]:
        raise IllegalTransition(f"An instance cannot go from {current} to {new}.")
