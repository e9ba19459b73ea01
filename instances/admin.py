from datetime import timedelta

from django.contrib import admin, messages
from django.templatetags.static import static
from django.utils.html import format_html

from .lifecycle import expiry, services
from .models import (
    AccessRequest,
    BlockedUser,
    DesktopSession,
    Flavour,
    Image,
    Instance,
    InstanceEvent,
    InstanceMember,
    LifetimeExtension,
    ShareToken,
)
from .sharing import links
from .states import IllegalTransition


@admin.register(Image)
class ImageAdmin(admin.ModelAdmin):
    list_display = ["icon_preview", "name", "cloud_id", "vnc_port", "enabled", "auto_accept_extensions"]
    list_display_links = ["name"]

    @admin.display(description="icon")
    def icon_preview(self, image):
        return format_html('<img src="{}" alt="{}" width="24" height="24">',
                           static(image.icon_static), image.get_icon_display())


@admin.register(Flavour)
class FlavourAdmin(admin.ModelAdmin):
    list_display = ["name", "cloud_id", "cpus", "ram_mb", "lifetime", "enabled"]


class EventInline(admin.TabularInline):
    model = InstanceEvent
    extra = 0
    can_delete = False
    readonly_fields = ["at", "from_state", "to_state", "actor", "reason"]

    def has_add_permission(self, request, obj=None):
        return False


class ExpiresSoon(admin.SimpleListFilter):
    title = "expires"
    parameter_name = "expires"
    WITHIN = {"1d": timedelta(days=1), "2d": timedelta(days=2), "7d": timedelta(days=7)}

    def lookups(self, request, model_admin):
        return [("1d", "within a day"), ("2d", "within 2 days"), ("7d", "within a week")]

    def queryset(self, request, queryset):
        if self.value() in self.WITHIN:
            return queryset & expiry.expiring_soon(self.WITHIN[self.value()])
        return queryset


def _lifecycle_action(name, service):
    def action(modeladmin, request, queryset):
        for instance in queryset:
            try:
                service(instance, request.user.username)
            except IllegalTransition as error:
                modeladmin.message_user(request, f"{instance.name}: {error}", messages.WARNING)

    action.__name__ = name
    return admin.action(description=f"{name.capitalize()} the selected instances")(action)


class MemberInline(admin.TabularInline):
    model = InstanceMember
    extra = 0
    readonly_fields = ["token", "created_at"]
    raw_id_fields = ["user"]


class BlockedInline(admin.TabularInline):
    """People the owner removed and blocked: deleting a row lets a link admit them again."""
    model = BlockedUser
    extra = 0
    readonly_fields = ["created_at"]
    raw_id_fields = ["user"]


@admin.register(Instance)
class InstanceAdmin(admin.ModelAdmin):
    list_display = ["name", "uuid", "owner", "state", "flavour", "image", "created_at", "expires_at",
                    "last_activity_at"]
    list_filter = ["state", ExpiresSoon, "image", "flavour"]
    search_fields = ["name", "uuid", "owner__username", "server_id"]
    readonly_fields = ["uuid", "state", "state_reason", "server_id", "address", "activated_at",
                       "state_changed_at", "last_activity_at", "lifetime_warned_at", "inactivity_warned_at"]
    inlines = [EventInline, MemberInline, BlockedInline]
    actions = [_lifecycle_action(name, getattr(services, name)) for name in ("start", "stop", "reboot", "delete")]

    def has_delete_permission(self, request, obj=None):
        return False  # rows stay for their history; the "Delete" action removes the server


@admin.register(LifetimeExtension)
class LifetimeExtensionAdmin(admin.ModelAdmin):
    list_display = ["instance", "requested_by", "requested_at", "days", "reason", "decision", "decided_by"]
    list_filter = ["decision"]
    readonly_fields = ["instance", "requested_by", "days", "reason", "decision", "decided_by", "decided_at"]
    actions = ["accept", "refuse"]

    @admin.action(description="Accept the selected requests")
    def accept(self, request, queryset):
        for extension in queryset:
            expiry.decide(extension, request.user.username, accept=True)

    @admin.action(description="Refuse the selected requests")
    def refuse(self, request, queryset):
        for extension in queryset:
            expiry.decide(extension, request.user.username, accept=False)


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
            links.revoke(token)


@admin.register(DesktopSession)
class DesktopSessionAdmin(admin.ModelAdmin):
    list_display = ["name", "role", "instance", "started_at", "ended_at"]
    list_filter = ["role"]
    readonly_fields = ["instance", "user", "name", "role", "token", "channel_name", "started_at", "ended_at"]


@admin.register(AccessRequest)
class AccessRequestAdmin(admin.ModelAdmin):
    list_display = ["user", "instance", "created_at", "answer", "answered_at"]
    readonly_fields = ["instance", "user", "created_at", "answer", "answered_at"]
