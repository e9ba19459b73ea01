from django.urls import path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("instances/launch", views.launch, name="launch"),
    path("instances/<uuid:uuid>/", views.detail, name="instance"),
    path("instances/<uuid:uuid>/status", views.status, name="instance-status"),
    path("instances/<uuid:uuid>/delete", views.delete, name="instance-delete"),
]
