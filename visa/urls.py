from csp.constants import SELF, UNSAFE_INLINE
from csp.decorators import csp_update
from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.permissions import AllowAny

from visa import monitoring
from visa.auth import LogoutView

urlpatterns = [
    path("", include("instances.urls")),
    path("", include("openaccess.urls")),
    path("", include("quotas.urls")),
    path("", include("apitokens.urls")),
    path("", include("notices.urls")),
    # The API's schema and its documentation are public; every operation in them needs a signed-in user.
    path("api/schema/", SpectacularAPIView.as_view(permission_classes=[AllowAny]), name="api-schema"),
    # The Swagger UI's script is a file of its own (the split view); its page has an inline <style>.
    path("api/docs/", csp_update({"style-src": [SELF, UNSAFE_INLINE]})(SpectacularSwaggerSplitView.as_view(
        url_name="api-schema", permission_classes=[AllowAny])), name="api-docs"),
    path("accounts/login/", auth_views.LoginView.as_view(extra_context={
        "oidc_provider": settings.OIDC_PROVIDER_NAME if settings.OIDC_RP_CLIENT_ID else None,
    }), name="login"),
    path("accounts/logout/", LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("metrics", monitoring.metrics, name="metrics"),
    path("health/live", monitoring.live, name="health-live"),
    path("health/ready", monitoring.ready, name="health-ready"),
]
if settings.OIDC_RP_CLIENT_ID:
    urlpatterns.append(path("oidc/", include("mozilla_django_oidc.urls")))

handler400 = "visa.errors.bad_request"
handler404 = "visa.errors.not_found"
handler500 = "visa.errors.server_error"
