from django.urls import path
from rest_framework.routers import SimpleRouter

from . import api, views

router = SimpleRouter()
router.register("api/instances", api.InstanceViewSet, basename="api-instance")

urlpatterns = [
    path("", views.home, name="home"),
    path("instances/launch", views.launch, name="launch"),
    path("instances/<uuid:uuid>/", views.detail, name="instance"),
    path("instances/<uuid:uuid>/status", views.status, name="instance-status"),
    path("instances/<uuid:uuid>/delete", views.delete, name="instance-delete"),
    *router.urls,
]
