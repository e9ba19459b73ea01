from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from visa.auth import LogoutView

urlpatterns = [
    path("", include("instances.urls")),
    path("", include("openaccess.urls")),
    path("", include("quotas.urls")),
    path("accounts/login/", auth_views.LoginView.as_view(extra_context={
        "oidc_provider": settings.OIDC_PROVIDER_NAME if settings.OIDC_RP_CLIENT_ID else None,
    }), name="login"),
    path("accounts/logout/", LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
]
if settings.OIDC_RP_CLIENT_ID:
    urlpatterns.append(path("oidc/", include("mozilla_django_oidc.urls")))
