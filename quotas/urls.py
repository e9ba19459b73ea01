from django.urls import path

from . import api, views

urlpatterns = [
    path("quotas/approval", views.request_approval, name="request-approval"),
    path("api/quota/", api.MyQuota.as_view(), name="api-quota"),
]
