"""Which cloud errors are tried again, and how long visa waits before each try."""
import statistics

from django.test import override_settings
from keystoneauth1 import exceptions as auth_errors
from openstack import exceptions as sdk_errors

from instances.cloud import driver as cloud
from instances.lifecycle import steps


def test_unreachable_and_5xx_are_transient_4xx_is_not():
    assert cloud.transient(auth_errors.ConnectFailure("refused")) == cloud.UNREACHABLE
    assert cloud.transient(auth_errors.ConnectTimeout("slow")) == cloud.UNREACHABLE
    assert cloud.transient(sdk_errors.HttpException("boom", http_status=503)) == cloud.FAILED
    assert cloud.transient(auth_errors.http.InternalServerError()) == cloud.FAILED
    assert cloud.transient(sdk_errors.HttpException("quota", http_status=403)) is None
    assert cloud.transient(sdk_errors.BadRequestException("no such image", http_status=400)) is None


@override_settings(VISA_CLOUD_BACKOFF=1.0)
def test_backoff_doubles_with_jitter_and_a_ceiling():
    for attempt in range(4):
        delays = [steps.retry_delay(attempt) for _ in range(200)]
        assert 0.5 * 2**attempt <= min(delays) and max(delays) <= 2**attempt
        assert statistics.pstdev(delays) > 0  # jittered: retries of many instances spread out
    assert steps.retry_delay(20) <= 60
