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


def can_read(user, experiment: Experiment, at=None) -> bool:
    if not user.is_authenticated:
        return False
    if experiment.experimentmember_set.filter(user=user).exists():
        return True
    return is_open(experiment, at)
