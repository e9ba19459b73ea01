"""The admin site: Django's, with what waits for the operator on its front page (`visa.waiting`)."""
from django.contrib import admin

from . import waiting


class AdminSite(admin.AdminSite):
    def index(self, request, extra_context=None):
        return super().index(request, {"waiting": waiting.for_operator(request.user), **(extra_context or {})})
