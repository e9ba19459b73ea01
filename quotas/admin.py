from django.contrib import admin

from .models import Quota


@admin.register(Quota)
class QuotaAdmin(admin.ModelAdmin):
    list_display = ["__str__", "user", "max_instances"]
    search_fields = ["user__username", "user__email"]
    autocomplete_fields = ["user"]
