from django.urls import path

from . import views

urlpatterns = [
    path("notices/<int:pk>/close", views.close, name="notice-close"),
    path("notifications", views.notifications, name="notifications"),
]
