"""The one decision on who may read an experiment's data. Every caller asks here."""
import datetime
import zoneinfo

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from .models import Experiment, ExperimentMember


def _add_years(day: datetime.date, years: int) -> datetime.date:
    """The same calendar day `years` later (or earlier); 29 February becomes 1 March (28 February)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, month=3, day=1) if years > 0 else day.replace(
            year=day.year + years, day=28)


def _facility_zone():
    return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def release_date(experiment: Experiment):
    """When the data opens: the date set on the experiment, else the facility's embargo rule
    (midnight, facility time, VISA_EMBARGO_YEARS after the experiment ended), else never (None)."""
    if experiment.release_date is not None:
        return experiment.release_date
    if not settings.VISA_EMBARGO_YEARS:
        return None
    day = _add_years(experiment.end_date, settings.VISA_EMBARGO_YEARS)
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=_facility_zone())


def is_open(experiment: Experiment, at=None) -> bool:
    """Open by an operator's override, else once the release date has passed; never while the
    service's open-data setting is off."""
    if not settings.VISA_OPEN_DATA:
        return False
    if experiment.open_override == Experiment.Override.OPEN:
        return True
    if experiment.open_override == Experiment.Override.CLOSED:
        return False
    released = release_date(experiment)
    return released is not None and released <= (at or timezone.now())


def is_member(user, experiment: Experiment) -> bool:
    return user.is_authenticated and experiment.experimentmember_set.filter(user=user).exists()


def can_read(user, experiment: Experiment, at=None) -> bool:
    if not user.is_authenticated:
        return False
    return is_member(user, experiment) or is_open(experiment, at)


def open_filter(at=None) -> Q:
    """is_open() as a query condition, for searching many experiments at once."""
    if not settings.VISA_OPEN_DATA:
        return Q(pk__in=[])
    at = at or timezone.now()
    by_date = Q(release_date__isnull=False, release_date__lte=at)
    if settings.VISA_EMBARGO_YEARS:
        # release_date(e) <= at  <=>  end_date + N years <= the facility's date at `at`
        cutoff = _add_years(at.astimezone(_facility_zone()).date(), -settings.VISA_EMBARGO_YEARS)
        by_date |= Q(release_date__isnull=True, end_date__lte=cutoff)
    override = Experiment.Override
    return Q(open_override=override.OPEN) | (Q(open_override=override.NONE) & by_date)


def readable(user, experiments=None, at=None):
    """The experiments `user` may read, as can_read() decides one by one; for an anonymous visitor,
    open data, which they may find (search, the DOI page) but use only once signed in: signing in
    is the barrier against misuse, so can_read() stays False for them."""
    experiments = Experiment.objects.all() if experiments is None else experiments
    if not user.is_authenticated:
        return experiments.filter(open_filter(at))
    mine = ExperimentMember.objects.filter(user=user).values("experiment")
    return experiments.filter(Q(pk__in=mine) | open_filter(at))


def reads_only_because_open(user, experiments) -> bool:
    """Whether a launch with these experiments is one on open data alone: the user is a member of
    none of them (a launch with no data counts as open too, so it never gets a member's quota)."""
    return not any(is_member(user, experiment) for experiment in experiments)
