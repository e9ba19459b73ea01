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
# The groups of states that rules are written in; every module names these, none spells its own.
# Live: holds a share of the user's quota.
LIVE = [s for s in State if s not in (S.DELETED, S.ERROR)]
# Transient: on the way to another state; a task (lifecycle.steps) is carrying a change out.
TRANSIENT = [S.PENDING, S.BUILDING, S.STARTING, S.STOPPING, S.REBOOTING, S.DELETING]
# Building: not yet running for the first time (or again after a stop).
BUILDING = [S.PENDING, S.BUILDING, S.STARTING]
# Resting: running or stopped, with nothing under way; lifetime and inactivity expire these.
RESTING = [S.ACTIVE, S.STOPPED]
# Has (or is about to have) a server in the cloud.
WITH_SERVER = [*RESTING, *TRANSIENT]
# Its data may still change: live and not on its way out.
DATA_CHANGEABLE = [s for s in LIVE if s != S.DELETING]
# Gone, or going: a link to it admits nobody.
GONE = [S.DELETING, S.DELETED]


class IllegalTransition(Exception):
    pass


def check(current: str, new: str) -> None:
    if new not in TRANSITIONS[State(current)]:
        raise IllegalTransition(f"An instance cannot go from {current} to {new}.")
