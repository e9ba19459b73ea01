"""Readiness of the clouds (`/health/ready`, visa/monitoring.py): each enabled cloud's API is
asked at once, through the driver, with a short timeout. The check fails only when no enabled
cloud answers (visa can launch nowhere): taking every web process out of a load balancer because
one of several clouds is down would stop the others too. Which cloud failed, and why, is logged;
the answer names only the check."""
import dataclasses
import datetime
import logging
from concurrent.futures import ThreadPoolExecutor

from health_check.base import HealthCheck
from health_check.exceptions import ServiceUnavailable

from instances.models import Cloud as CloudModel

from . import driver

log = logging.getLogger("health_check")
TIMEOUT = 3  # seconds: a load balancer probes every few seconds


def answers(cloud):
    """Whether `cloud` answers within TIMEOUT; why not goes to the log."""
    try:
        driver.limits(driver.connect(cloud, timeout=TIMEOUT))
        return True
    except driver.ERRORS as error:
        log.warning("the cloud %s did not answer: %s", cloud.name, error)
        return False


@dataclasses.dataclass
class Cloud(HealthCheck):  # the answer names a check by its class: "cloud"
    timeout: datetime.timedelta = dataclasses.field(default=datetime.timedelta(seconds=TIMEOUT), repr=False)

    def run(self):
        clouds = list(CloudModel.objects.filter(enabled=True))
        if not clouds:
            return
        with ThreadPoolExecutor(max_workers=len(clouds)) as pool:
            if not any(pool.map(answers, clouds)):
                raise ServiceUnavailable("no cloud answered")
