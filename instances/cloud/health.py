"""Readiness of the cloud (`/health/ready`, visa/monitoring.py): its API answers through the
driver within a few seconds. What failed is logged; the answer names only the check."""
import dataclasses
import datetime

from health_check.base import HealthCheck
from health_check.exceptions import ServiceUnavailable

from . import driver

TIMEOUT = 3  # seconds: a load balancer probes every few seconds


@dataclasses.dataclass
class Cloud(HealthCheck):
    timeout: datetime.timedelta = dataclasses.field(default=datetime.timedelta(seconds=TIMEOUT), repr=False)

    def run(self):
        try:
            driver.limits(driver.connect(timeout=TIMEOUT))
        except driver.ERRORS as error:
            raise ServiceUnavailable(f"the cloud {driver.cloud_name()} did not answer") from error
