from django.contrib import admin

from .models import Flavour, Image, Instance, InstanceEvent


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


@admin.register(Instance)
class InstanceAdmin(admin.ModelAdmin):
    list_display = ["name", "uuid", "owner", "state", "flavour", "image", "created_at"]
    list_filter = ["state", "image", "flavour"]
    search_fields = ["name", "uuid", "owner__username", "server_id"]
    readonly_fields = ["uuid", "state", "state_reason", "server_id", "address", "activated_at"]
    inlines = [EventInline]
