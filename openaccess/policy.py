"""The one decision on who may read an experiment's data. Every caller asks here."""
from django.utils import timezone

from .models import Experiment


def is_open(experiment: Experiment, at=None) -> bool:
    """Open by an operator's override, else once the release date has passed."""
    if experiment.open_override == Experiment.Override.OPEN:
        return True
    if experiment.open_override == Experiment.Override.CLOSED:
        return False
    at = at or timezone.now()
    return experiment.release_date is not None and experiment.release_date <= at


def is_member(user, experiment: Experiment) -> bool:
    return user.is_authenticated and experiment.experimentmember_set.filter(user=user).exists()


def can_read(user, experiment: Experiment, at=None) -> bool:
    if not user.is_authenticated:
        return False
    return is_member(user, experiment) or is_open(experiment, at)


def reads_only_because_open(user, experiments) -> bool:
    """Whether a launch with these experiments is one on open data alone: the user is a member of
    none of them (a launch with no data counts as open too, so it never gets a member's quota)."""
    return not any(is_member(user, experiment) for experiment in experiments)
