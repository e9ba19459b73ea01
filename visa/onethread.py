"""Run a request's middleware in the request's one thread under ASGI.

Django adapts each middleware to the mode of the handler it wraps: from the view outward, every
async-capable middleware runs async, so each of its sync methods (process_request,
process_response...) is sent to the request's thread and back, about a dozen hops per request
through the one event loop, where a burst of requests queues them behind each other
(tests/benchmarks/quota_burst.py). Innermost in MIDDLEWARE, this sync-only middleware makes the
handler it hands outward sync, so Django runs every middleware above it sync, in one thread: a
request takes about four hops. Our views are sync; the async ones (health checks) still run async.
"""


class OneThreadMiddleware:
    sync_capable, async_capable = True, False

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)
