"""ASGI entry point: Django for HTTP, Channels consumers for WebSockets opened by this site's own
pages (visa.origins), and JupyterLab's proxy for the notebook origins (instances.jupyter)."""
import os
import re
import warnings

import django
from django.core.handlers.asgi import ASGIHandler

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "visa.settings")
django.setup(set_prefix=False)

from instances.files.vm import READ  # noqa: E402  (needs Django set up first)


class Handler(ASGIHandler):
    """Django's, passing a streamed response's blocks on whole as a file download reads them
    (Django's own 64 kB would copy each into four)."""
    chunk_size = READ


django_asgi_app = Handler()
# Django imports the URLconf at the first request and fills its table for reverse() at the first
# reverse(), each thread on its own until one has finished: in a burst on a new process every
# request's thread did both at once (a tenth of the web CPU of tests/benchmarks/quota_burst.py).
from django.urls import reverse  # noqa: E402

reverse("home")
# WhiteNoise serves static files as a synchronous file iterator, which Django's ASGI handler runs
# in a thread and warns about on every file; nginx serves them in production.
warnings.filterwarnings("ignore", message="StreamingHttpResponse must consume synchronous iterators")

from asgi_correlation_id import CorrelationIdMiddleware  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402  (needs Django set up first)

from instances.files.asgi import StreamedUploads  # noqa: E402
from instances.jupyter.asgi import NotebookHosts  # noqa: E402
from instances.routing import websocket_urlpatterns  # noqa: E402
from instances.sharing.sockets import AuthMiddlewareStack  # noqa: E402
from notices.routing import websocket_urlpatterns as notice_urlpatterns  # noqa: E402
from visa.origins import SameOriginValidator  # noqa: E402

# Every request and WebSocket gets an id for its log lines: nginx's X-Request-ID if it looks like one
# (a client's header cannot write into the logs), else a new one; answers carry it back. A notebook
# origin's requests go to JupyterLab's proxy, never to visa's pages (instances/jupyter/asgi.py).
application = CorrelationIdMiddleware(
    NotebookHosts(ProtocolTypeRouter({
        "http": StreamedUploads(django_asgi_app),
        "websocket": SameOriginValidator(AuthMiddlewareStack(URLRouter(websocket_urlpatterns + notice_urlpatterns))),
    })),
    validator=lambda value: re.fullmatch(r"[0-9A-Za-z-]{16,64}", value) is not None,
)
