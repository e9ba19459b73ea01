"""The operator's dashboard on the admin front page, in Debian's chromium: instances now by each
facet, the cloud's capacity from devcloud's limits, and the last 30 days drawn as charts that also
say their figures in words."""
import datetime
import re

from django.utils import timezone

from instances.dashboard import history, now
from instances.models import Instance, InstanceEvent
from tests.support.a11y import assert_accessible
from tests.support.browser import SHOTS
from tests.support.factories import make_plain_instance, make_user


def launched(owner, days_ago, minutes_to_desktop=None, ended_days_ago=None, state="ACTIVE"):
    """An instance launched `days_ago`, ACTIVE after `minutes_to_desktop`, ended (DELETED) `ended_days_ago`."""
    created = timezone.now() - datetime.timedelta(days=days_ago)
    instance = make_plain_instance(owner, state=state, name="dash")
    Instance.objects.filter(pk=instance.pk).update(created_at=created, state_changed_at=created)
    if minutes_to_desktop is not None:
        event = InstanceEvent.objects.create(instance=instance, from_state="STARTING", to_state="ACTIVE", actor="t")
        InstanceEvent.objects.filter(pk=event.pk).update(at=created + datetime.timedelta(minutes=minutes_to_desktop))
    if ended_days_ago is not None:
        ended = timezone.now() - datetime.timedelta(days=ended_days_ago)
        event = InstanceEvent.objects.create(instance=instance, from_state="DELETING", to_state="DELETED", actor="t")
        InstanceEvent.objects.filter(pk=event.pk).update(at=ended)
        Instance.objects.filter(pk=instance.pk).update(state="DELETED", state_changed_at=ended)
    return instance


def test_now_counts_live_instances_by_each_facet(db):
    before = dict(now()["state"])
    owner = make_user()
    for state in ("ACTIVE", "ACTIVE", "STOPPED", "DELETED"):
        make_plain_instance(owner, state=state)
    counts = dict(now()["state"])
    assert counts["ACTIVE"] - before.get("ACTIVE", 0) == 2 and counts["STOPPED"] - before.get("STOPPED", 0) == 1
    assert "DELETED" not in counts and dict(now()["environment"])["Ubuntu 24.04 Desktop"] >= 3


def test_history_counts_launches_lives_and_the_median_time_to_a_desktop(db):
    owner = make_user()
    launched(owner, days_ago=3, minutes_to_desktop=2)
    launched(owner, days_ago=3, minutes_to_desktop=4, ended_days_ago=1, state="DELETED")
    launched(owner, days_ago=40, ended_days_ago=35, state="DELETED")  # before the window: not counted
    found = history(timezone.localdate())
    by_day = {bar.label: bar.value for bar in found["launches"]}
    three_days_ago = (timezone.localdate() - datetime.timedelta(days=3)).strftime("%-d %b")
    assert len(found["launches"]) == 30 and by_day[three_days_ago] >= 2
    assert {bar.label: bar.value for bar in found["launch_minutes"]}[three_days_ago] == 3  # the median of 2 and 4
    alive = [bar.value for bar in found["alive"]]
    assert alive[-4] - alive[-5] >= 2 and alive[-1] - alive[-2] <= 0  # two began, one ended since


def test_the_front_page_shows_the_dashboard(operator, stack):
    owner = make_user()
    # ended ones: the stack's reconciler would take live rows without a server to ERROR meanwhile
    made = [launched(owner, days_ago=day, minutes_to_desktop=day + 1, ended_days_ago=0, state="DELETED")
            for day in (0, 1, 2, 5)]
    try:
        operator.reload()
        dashboard = operator.locator("#dashboard")
        for facet in ("state", "environment", "size", "purpose", "cloud"):
            assert dashboard.get_by_role("table", name=f"By {facet}").is_visible()
        capacity = dashboard.get_by_role("table", name=re.compile(r"^The cloud's capacity \("))
        assert re.search(r"\d+ of 50", capacity.get_by_role("row", name=re.compile("^instances")).inner_text())
        chart = dashboard.get_by_role("img", name=re.compile(r"^Launches per day: \d+ launches in all$"))
        assert chart.locator("rect").count() == 30
        assert_accessible(operator, preload=False)
        dashboard.screenshot(path=SHOTS / "admin-dashboard.png")
    finally:
        Instance.objects.filter(pk__in=[instance.pk for instance in made]).delete()
