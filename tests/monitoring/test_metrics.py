"""/metrics (visa/metrics.py, visa/monitoring.py): one scrape of any web process sees what every
process counted (two uvicorn processes and the Celery worker share PROMETHEUS_MULTIPROC_DIR), the
database's gauges are computed at the scrape, and nobody without the token or an allowed address
reads them."""
import pytest
import requests
from django.core.exceptions import PermissionDenied
from prometheus_client import REGISTRY

from instances.lifecycle import services
from tests.support.factories import demo_image_and_flavour, make_experiment, make_user
from tests.support.scrape import scrape, total
from tests.support.stack import end
from tests.support.waiting import eventually
from tests.support.web import WebUser


@pytest.fixture(scope="module")
def second_web(stack):
    url, process = stack.start_web(name="web-metrics")
    yield url
    end(process)


def test_two_web_processes_and_the_worker_count_a_launch(stack, second_web, committed):
    before = [scrape(url) for url in (stack.url, second_web)]
    scientist = WebUser(stack.url, make_user().username, "pw-for-tests")
    uuid, _ = scientist.launch_from_doi()
    scientist.wait_for_state(uuid, "ACTIVE")
    try:
        # counted by the worker's pool processes, a moment after the page shows ACTIVE
        active = "visa_launch_to_active_seconds_count"
        assert eventually(lambda: all(total(scrape(url), active) == total(old, active) + 1
                                      for url, old in zip((stack.url, second_web), before)))
        for old, new in zip(before, [scrape(url) for url in (stack.url, second_web)], strict=True):
            # counted by the web process that took the launch, seen by both
            assert total(new, "visa_launches_total") == total(old, "visa_launches_total") + 1
            assert total(new, "visa_cloud_calls_total", call="create_server") > \
                total(old, "visa_cloud_calls_total", call="create_server")
            # a database truth, computed at the scrape
            assert total(new, "visa_instances", state="ACTIVE") >= 1
            assert total(new, "visa_metrics_database_up") == 1
        # the task that made it ACTIVE is timed when it returns, a moment after the page shows ACTIVE
        advance = {"task": "instances.tasks.advance", "outcome": "SUCCESS"}
        assert eventually(lambda: total(scrape(second_web), "visa_task_seconds_count", **advance)
                     > total(before[1], "visa_task_seconds_count", **advance))
    finally:
        scientist.delete_instance(uuid)


def test_a_refused_launch_is_counted_by_reason(db):
    image, flavour = demo_image_and_flavour()
    closed = make_experiment(release_date=None)
    before = REGISTRY.get_sample_value("visa_launch_refusals_total", {"reason": "data_not_readable"}) or 0
    with pytest.raises(PermissionDenied):
        services.launch(make_user(), [closed], image, flavour)
    assert REGISTRY.get_sample_value("visa_launch_refusals_total", {"reason": "data_not_readable"}) == before + 1


def test_metrics_need_the_token_or_an_allowed_address(stack):
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": "metrics-token-for-tests"}):
        answer = requests.get(f"{stack.url}/metrics", headers=headers, timeout=10)
        assert answer.status_code == 403
        assert "visa_" not in answer.text and "bearer token" in answer.text  # what to do, nothing more
    url, process = stack.start_web(name="web-allowed", VISA_METRICS_TOKEN="", VISA_METRICS_ALLOW="127.0.0.0/8")
    try:
        assert "visa_launches_total" in requests.get(f"{url}/metrics", timeout=10).text
    finally:
        end(process)
    url, process = stack.start_web(name="web-elsewhere", VISA_METRICS_TOKEN="", VISA_METRICS_ALLOW="10.1.0.0/16")
    try:
        assert requests.get(f"{url}/metrics", timeout=10).status_code == 403
    finally:
        end(process)


def test_the_reconcilers_corrections_are_counted_by_kind(stack, devcloud, owner, launch):
    uuid = launch(owner)
    before = scrape(stack.url)
    [server] = [s for s in devcloud.servers() if s["metadata"].get("visa_instance") == uuid]
    devcloud.vanish(server["id"])  # deleted behind visa's back: the reconciler marks it ERROR

    def corrected():
        """the drift counted, and the instance in ERROR among the instances by state"""
        now = scrape(stack.url)
        return total(now, "visa_reconciler_drift_total", kind="active_to_error") > \
            total(before, "visa_reconciler_drift_total", kind="active_to_error") and now
    after = eventually(corrected, timeout=15)
    assert total(after, "visa_instances", state="ERROR") > total(before, "visa_instances", state="ERROR")
