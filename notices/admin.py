"""Operators publish notices here; open pages show them at once (receivers.py)."""
from django.contrib import admin

from .models import Notice, NoticeSeen, Notification


class SeenInline(admin.TabularInline):
    model = NoticeSeen
    extra = 0
    fields = readonly_fields = ["user", "at"]
    verbose_name_plural = "closed or acknowledged by"

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Notice)
class NoticeAdmin(admin.ModelAdmin):
    list_display = ["title", "severity", "closing", "starts_at", "ends_at"]
    list_filter = ["severity", "closing"]
    search_fields = ["title", "text"]
    inlines = [SeenInline]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        self.message_user(request, f"“{obj.title}” is {'changed' if change else 'published'}: open pages show it "
                                   "from its start.")


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["user", "text", "created_at", "read_at"]
    search_fields = ["user__username", "text"]
    readonly_fields = ["user", "text", "url", "created_at", "read_at"]

    def has_add_permission(self, request):
        return False  # visa makes them
