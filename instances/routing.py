from django.urls import path

from . import consumers

websocket_urlpatterns = [
    path("ws/instances/<uuid:uuid>/desktop", consumers.DesktopConsumer.as_asgi()),
    path("ws/instances/<uuid:uuid>/live", consumers.LiveConsumer.as_asgi()),
    path("ws/live", consumers.LiveConsumer.as_asgi()),
]
