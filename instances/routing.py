from django.urls import path

from .desktop.consumer import DesktopConsumer
from .pages.live import LiveConsumer

websocket_urlpatterns = [
    path("ws/instances/<uuid:uuid>/desktop", DesktopConsumer.as_asgi()),
    path("ws/instances/<uuid:uuid>/live", LiveConsumer.as_asgi()),
    path("ws/live", LiveConsumer.as_asgi()),
]
