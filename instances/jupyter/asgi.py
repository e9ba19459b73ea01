"""Requests to a notebook origin (a Host that VISA_NOTEBOOK_ORIGIN names) go to JupyterLab's
proxy and nowhere else: on that origin no page or API of visa answers, so a notebook's code can
reach nothing of visa through its own origin."""
from . import proxy
from .consumer import JupyterConsumer
from .origins import instance_uuid


class NotebookHosts:
    """ASGI middleware: a notebook origin's HTTP to `proxy`, its WebSockets to `JupyterConsumer`;
    everything else to visa's application."""

    def __init__(self, visa):
        self.visa = visa
        self.socket = JupyterConsumer.as_asgi()

    async def __call__(self, scope, receive, send):
        notebook = instance_uuid(scope) if scope["type"] in ("http", "websocket") else None
        if notebook is None:
            return await self.visa(scope, receive, send)
        scope = {**scope, "notebook": notebook}
        if scope["type"] == "http":
            return await proxy.app(scope, receive, send, notebook)
        return await self.socket(scope, receive, send)
