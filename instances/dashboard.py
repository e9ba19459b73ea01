"""The operator's dashboard on the admin's front page (visa.dashboard): instances now by state,
environment, size and purpose, the cloud's capacity against its limits, and the last 30 days
(launches per day, instances alive at each day's end, median time from launch to a desktop)."""
import datetime
import logging
import statistics

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Min
from django.utils import timezone

from instances.cloud import driver as cloud
from instances.lifecycle.quota import CLOUD_RESOURCES
from instances.models import Instance, InstanceEvent
from instances.states import LIVE, State
from visa import charts

log = logging.getLogger(__name__)
DAYS = 30
CAPACITY_CACHE = 60  # seconds: the front page does not ask the cloud on every load


def panel(request):
    if not request.user.has_perm("instances.view_instance"):
        return None
    return "admin/instances/dashboard.html", {
        "now": now(), "capacity": capacity(), "cloud_name": cloud.cloud_name(), "days": DAYS,
        "history": history(timezone.localdate()),
    }


def now():
    """How many live instances there are, by each of their facets: {facet: [(value, count)]}."""
    live = Instance.objects.filter(state__in=LIVE).order_by()
    found = {facet: list(live.values_list(field).annotate(n=Count("pk")).order_by("-n", field))
             for facet, field in (("state", "state"), ("environment", "image__name"), ("size", "flavour__name"),
                                  ("purpose", "purpose"))}
    total = sum(n for _, n in found["state"])
    return {**found, "cloud": [(cloud.cloud_name(), total)] if total else []}  # one cloud (issue 15 adds more)


def capacity():
    """The cloud's use of each limit, [(resource, used, maximum)], or None when it does not answer."""
    found = cache.get("dashboard-capacity")
    if found is None:
        try:
            found = [(CLOUD_RESOURCES[name], used, maximum)
                     for name, (used, maximum) in cloud.limits(cloud.connect()).items()]
        except cloud.ERRORS as error:
            log.warning("dashboard: the cloud's limits: %s", error)
            return None
        cache.set("dashboard-capacity", found, CAPACITY_CACHE)
    return found


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
