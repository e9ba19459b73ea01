from django.urls import path

from . import views

urlpatterns = [
    path("quotas/approval", views.request_approval, name="request-approval"),
    path("quotas/more", views.ask_for_more, name="ask-for-more"),
]
