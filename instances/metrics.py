"""Gauges that are database truths, computed at each scrape (`visa.metrics.register`, from
`instances/apps.py`): right whatever the number of processes, and after any of them died."""
import logging

from django.db import DatabaseError
from django.db.models import Count, F, Q
from django.utils import timezone
from prometheus_client.core import GaugeMetricFamily

from instances.models import DesktopSession, Instance, ShareToken
from instances.states import LIVE, State

log = logging.getLogger(__name__)


class DatabaseCollector:
    def collect(self):
        try:
            families = [instances(), share_links(), desktop_connections()]
        except DatabaseError as error:  # the database is away: say so, and the rest of the scrape stands
            log.warning("metrics: the database did not answer: %s", error)
            yield GaugeMetricFamily("visa_metrics_database_up", "Whether the database answered this scrape", 0)
            return
        yield GaugeMetricFamily("visa_metrics_database_up", "Whether the database answered this scrape", 1)
        yield from families


def instances():
    family = GaugeMetricFamily("visa_instances", "Instances (not deleted), by state, image, flavour and cloud",
                               labels=["state", "image", "flavour", "cloud"])
    rows = (Instance.objects.exclude(state=State.DELETED).values("state", "image__name", "flavour__name", "cloud__name")
            .annotate(n=Count("pk")).order_by())
    for row in rows:
        family.add_metric([row["state"], row["image__name"], row["flavour__name"], row["cloud__name"]], row["n"])
    return family


def share_links():
    """Links that would admit someone now, on desktops that live."""
    usable = (Q(expires_at__isnull=True) | Q(expires_at__gt=timezone.now())) & (
        Q(max_uses__isnull=True) | Q(uses__lt=F("max_uses")))
    count = ShareToken.objects.filter(usable, revoked_at=None, instance__state__in=LIVE).count()
    return GaugeMetricFamily("visa_share_links_in_use", "Share links that admit someone now", count)


def desktop_connections():
    family = GaugeMetricFamily("visa_desktop_sessions", "Desktop connections open now, by role", labels=["role"])
    for row in DesktopSession.objects.filter(ended_at=None).values("role").annotate(n=Count("pk")).order_by():
        family.add_metric([row["role"]], row["n"])
    return family
