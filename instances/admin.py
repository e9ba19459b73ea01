from django.contrib import admin

from . import sharing
from .models import AccessRequest, DesktopSession, Flavour, Image, Instance, InstanceEvent, InstanceMember, ShareToken


@admin.register(Image)
class ImageAdmin(admin.ModelAdmin):
    list_display = ["name", "cloud_id", "vnc_port", "enabled"]


@admin.register(Flavour)
class FlavourAdmin(admin.ModelAdmin):
    list_display = ["name", "cloud_id", "cpus", "ram_mb", "enabled"]


class EventInline(admin.TabularInline):
    model = InstanceEvent
    extra = 0
    can_delete = False
    readonly_fields = ["at", "from_state", "to_state", "actor", "reason"]

    def has_add_permission(self, request, obj=None):
        return False


class MemberInline(admin.TabularInline):
    model = InstanceMember
    extra = 0
    readonly_fields = ["token", "created_at"]
    raw_id_fields = ["user"]


@admin.register(Instance)
class InstanceAdmin(admin.ModelAdmin):
    list_display = ["name", "uuid", "owner", "state", "flavour", "image", "created_at"]
    list_filter = ["state", "image", "flavour"]
    search_fields = ["name", "uuid", "owner__username", "server_id"]
    readonly_fields = ["uuid", "state", "state_reason", "server_id", "address", "activated_at"]
    inlines = [EventInline, MemberInline]


@admin.register(ShareToken)
class ShareTokenAdmin(admin.ModelAdmin):
    list_display = ["__str__", "instance", "role", "email", "uses", "max_uses", "expires_at", "revoked_at"]
    list_filter = ["role"]
    search_fields = ["label", "email", "instance__uuid", "instance__name"]
    fields = ["instance", "created_by", "label", "role", "email", "expires_at", "max_uses", "uses",
              "created_at", "revoked_at"]
    readonly_fields = fields  # links are made by owners on their page; operators revoke them
    actions = ["revoke"]

    def has_add_permission(self, request):
        return False

    @admin.action(description="Revoke and disconnect everyone admitted by them")
    def revoke(self, request, queryset):
        for token in queryset.filter(revoked_at=None):
            sharing.revoke(token)


@admin.register(DesktopSession)
class DesktopSessionAdmin(admin.ModelAdmin):
    list_display = ["name", "role", "instance", "started_at", "ended_at"]
    list_filter = ["role"]
    readonly_fields = ["instance", "user", "name", "role", "token", "channel_name", "started_at", "ended_at"]


@admin.register(AccessRequest)
class AccessRequestAdmin(admin.ModelAdmin):
    list_display = ["user", "instance", "created_at", "answer", "answered_at"]
    readonly_fields = ["instance", "user", "created_at", "answer", "answered_at"]
