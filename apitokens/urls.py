from django.urls import path

from . import views

urlpatterns = [
    path("account/api-tokens", views.tokens, name="api-tokens"),
    path("account/api-tokens/<int:pk>/revoke", views.revoke, name="api-token-revoke"),
]
