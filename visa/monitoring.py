"""What the monitoring system asks: `/metrics` (Prometheus, visa/metrics.py) for a bearer token
(VISA_METRICS_TOKEN) or from an allowed address (VISA_METRICS_ALLOW), and the health endpoints
for load balancers and container healthchecks (django-health-check): `/health/live` (the process
answers; no dependency is asked) and `/health/ready` (database, Redis, the broker, the channel
layer, the cloud). Health answers name the checks and "ok" or "unavailable", never why: the
reason, which may name hosts, goes to the log."""
import asyncio
import dataclasses
import datetime
import hmac
import ipaddress
import uuid

import redis.asyncio
from celery import current_app
from channels.layers import DEFAULT_CHANNEL_LAYER, channel_layers
from django.conf import settings
from django.http import HttpResponse, JsonResponse
from health_check.base import HealthCheck
from health_check.checks import Database
from health_check.contrib.redis import Redis
from health_check.exceptions import ServiceUnavailable
from health_check.views import HealthCheckView

from visa import metrics as exposition

TIMEOUT = 3  # seconds for each readiness check
REFUSED = "Metrics are for the monitoring system: send its bearer token, or scrape from an address it may use."


def allowed(request):
    token = settings.VISA_METRICS_TOKEN
    sent = request.headers.get("Authorization", "")
    if token and hmac.compare_digest(sent.encode(), f"Bearer {token}".encode()):
        return True
    try:
        client = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    return any(client in network for network in settings.VISA_METRICS_ALLOW)


def metrics(request):
    if not allowed(request):
        return HttpResponse(REFUSED, status=403, content_type="text/plain")
    body, content_type = exposition.exposition()
    return HttpResponse(body, content_type=content_type)


@dataclasses.dataclass
class ChannelLayer(HealthCheck):
    """A message sent through the channel layer comes back (Redis with more than one process)."""
    timeout: datetime.timedelta = dataclasses.field(default=datetime.timedelta(seconds=TIMEOUT), repr=False)

    async def run(self):
        # A layer of its own: the process's layer receives for the consumers on the server's event
        # loop, and a receive from another loop waits behind it until the time-out.
        layer = channel_layers.make_backend(DEFAULT_CHANNEL_LAYER)
        channel = await layer.new_channel("health.")
        nonce = uuid.uuid4().hex
        try:
            await asyncio.wait_for(layer.send(channel, {"type": "health.check", "nonce": nonce}), TIMEOUT)
            message = await asyncio.wait_for(layer.receive(channel), TIMEOUT)
        except (OSError, TimeoutError, redis.RedisError) as error:
            raise ServiceUnavailable("the channel layer did not answer") from error
        finally:
            if hasattr(layer, "close_pools"):  # Redis's; the demo's in-memory layer has none
                await layer.close_pools()
        if message.get("nonce") != nonce:
            raise ServiceUnavailable("the channel layer answered with another message")


@dataclasses.dataclass
class Broker(HealthCheck):
    """Celery's broker takes a connection (Redis, or the demo's directory)."""
    timeout: datetime.timedelta = dataclasses.field(default=datetime.timedelta(seconds=TIMEOUT), repr=False)

    def run(self):
        try:
            with current_app.connection_for_write() as connection:
                connection.ensure_connection(max_retries=1, timeout=TIMEOUT)
        except Exception as error:  # kombu raises the transport's own errors
            raise ServiceUnavailable("the broker did not answer") from error


def redis_client():
    return redis.asyncio.Redis.from_url(settings.REDIS_URL, socket_timeout=TIMEOUT, socket_connect_timeout=TIMEOUT)


class Health(HealthCheckView):
    """JSON {check: "ok" | "unavailable"}; 200 when all are ok, else 503."""

    async def get(self, request, *args, **kwargs):
        with self.get_executor() as executor:
            results = await asyncio.gather(*(check.get_result(executor) for check in self.get_checks()))
        answer = {type(result.check).__name__.lower(): "unavailable" if result.error else "ok" for result in results}
        failed = any(result.error for result in results)
        return JsonResponse({"status": "unavailable" if failed else "ok", "checks": answer},
                            status=503 if failed else 200)


live = Health.as_view(checks=())
ready = Health.as_view(checks=(
    (Database, {}),
    *([(Redis, {"client_factory": redis_client})] if settings.REDIS_URL else []),
    (Broker, {}),
    (ChannelLayer, {}),
    "instances.cloud.health.Cloud",
))
