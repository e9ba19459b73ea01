"""The operator's dashboard on the admin's front page (visa.dashboard): instances now by state,
environment, size, purpose and cloud, each cloud's capacity against its limits, and the last 30 days
(launches per day, instances alive at each day's end, median time from launch to a desktop)."""
import datetime
import logging
import statistics

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Min
from django.utils import timezone

from instances.cloud import driver as cloud
from instances.cloud.health import TIMEOUT
from instances.lifecycle.quota import CLOUD_RESOURCES
from instances.models import Cloud, Instance, InstanceEvent
from instances.states import LIVE, State
from visa import charts

log = logging.getLogger(__name__)
DAYS = 30
CAPACITY_CACHE = 60  # seconds: the front page does not ask the cloud on every load
SILENT = "silent"  # remembered for a cloud that did not answer


def panel(request):
    if not request.user.has_perm("instances.view_instance"):
        return None
    return "admin/instances/dashboard.html", {
        "now": now(), "capacities": [(where, capacity(where)) for where in Cloud.objects.all()], "days": DAYS,
        "history": history(timezone.localdate()),
    }


def now():
    """How many live instances there are, by each of their facets: {facet: [(value, count)]}."""
    live = Instance.objects.filter(state__in=LIVE).order_by()
    found = {facet: list(live.values_list(field).annotate(n=Count("pk")).order_by("-n", field))
             for facet, field in (("state", "state"), ("environment", "image__name"), ("size", "flavour__name"),
                                  ("purpose", "purpose"), ("cloud", "cloud__name"))}
    return found


def capacity(where):
    """A cloud's use of each limit, [(resource, used, maximum)], or None when it does not answer
    (asked with the readiness check's short timeout, and remembered as long, so that a cloud that
    hangs does not hold the admin's front page)."""
    key = f"dashboard-capacity-{where.pk}"
    found = cache.get(key)
    if found is None:
        try:
            found = [(CLOUD_RESOURCES[name], used, maximum)
                     for name, (used, maximum) in cloud.limits(cloud.connect(where, timeout=TIMEOUT)).items()]
        except cloud.ERRORS as error:
            log.warning("dashboard: the limits of %s: %s", where.name, error)
            found = SILENT
        cache.set(key, found, CAPACITY_CACHE)
    return None if found == SILENT else found


def history(today):
    """Per day of the last DAYS (facility time): launches, instances alive at the day's end, and the
    median minutes from launch to ACTIVE; each as chart bars."""
    days = [today - datetime.timedelta(days=n) for n in range(DAYS - 1, -1, -1)]
    zone = timezone.get_current_timezone()
    ends = [datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time(), zone) for day in days]
    start = ends[0] - datetime.timedelta(days=1)
    # Every instance that lived in the window: when it began and, if it did, when it ended.
    instances = Instance.objects.exclude(state__in=[State.DELETED, State.ERROR], state_changed_at__lt=start)
    ended = dict(InstanceEvent.objects.filter(instance__in=instances, to_state__in=[State.DELETED, State.ERROR])
                 .values_list("instance").annotate(at=Min("at")))
    lives = [(created, ended.get(pk)) for pk, created in instances.values_list("pk", "created_at")]
    ready = (InstanceEvent.objects.filter(instance__created_at__gte=start, from_state=State.STARTING,
                                          to_state=State.ACTIVE)
             .values_list("instance").annotate(at=Min("at")).values_list("instance__created_at", "at"))
    waits = {day: [] for day in days}
    for created, at in ready:
        waits.setdefault(timezone.localdate(created, zone), []).append((at - created).total_seconds() / 60)
    launched = [sum(1 for created, _ in lives if timezone.localdate(created, zone) == day) for day in days]
    alive = [sum(1 for created, end in lives if created < day_end and (end is None or end >= day_end))
             for day_end in ends]
    median = [round(statistics.median(waits[day]), 1) if waits[day] else 0 for day in days]
    labels = [day.strftime("%-d %b") for day in days]
    return {
        "launches": charts.bars(list(zip(labels, launched, strict=True))),
        "alive": charts.bars(list(zip(labels, alive, strict=True))),
        "launch_minutes": charts.bars(list(zip(labels, median, strict=True))),
        "first": labels[0], "last": labels[-1], "zone": settings.TIME_ZONE,
        "totals": {"launches": sum(launched), "alive": alive[-1], "median": median[-1]},
    }
