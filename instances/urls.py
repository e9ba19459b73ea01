from django.urls import path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("instances/launch", views.launch, name="launch"),
    path("instances/<uuid:uuid>/", views.detail, name="instance"),
    path("instances/<uuid:uuid>/status", views.status, name="instance-status"),
    *[path(f"instances/<uuid:uuid>/{action}", views.act, {"action": action}, name=f"instance-{action}")
      for action in views.ACTIONS],
    path("instances/<uuid:uuid>/extend", views.extend, name="instance-extend"),
]
