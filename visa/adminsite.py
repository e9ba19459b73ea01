"""The admin site: Django's, with what waits for the operator (`visa.waiting`) and the dashboard's
panels (`visa.dashboard`) on its front page."""
from django.contrib import admin

from . import dashboard, waiting


class AdminSite(admin.AdminSite):
    def index(self, request, extra_context=None):
        return super().index(request, {"waiting": waiting.for_operator(request.user),
                                       "panels": dashboard.render(request), **(extra_context or {})})
