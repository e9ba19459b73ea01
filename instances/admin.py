"""Operators' pages for instances: the catalogue, each instance with its history, members and
buttons to start, stop, reboot and delete it (through lifecycle services, never by editing its
state), lifetime extension requests, and what sharing made (links, sessions, requests, blocks)."""
from datetime import timedelta

from django import forms
from django.contrib import admin, messages
from django.db import models
from django.db.models import Count, Q
from django.templatetags.static import static
from django.utils import timezone
from django.utils.html import format_html

from visa import dashboard, waiting
from visa.adminbuttons import Button, ButtonsMixin, DecisionAdmin, Refused

from .cloud import driver
from .dashboard import panel as dashboard_panel
from .lifecycle import expiry, services
from .lifecycle.quota import the_cloud
from .models import (
    AccessRequest,
    BlockedUser,
    Cloud,
    DesktopSession,
    Flavour,
    Image,
    Instance,
    InstanceEvent,
    InstanceMember,
    LifetimeExtension,
    PlacementRule,
    Role,
    ShareToken,
)
from .models.placement import cloud_names
from .sharing import links
from .sharing.access import Refused as NoAccess
from .sharing.access import check_data
from .states import LIVE, TRANSITIONS, IllegalTransition, State


@admin.register(Cloud)
class CloudAdmin(admin.ModelAdmin):
    """The clouds visa launches on; their secrets stay in the environment (see Cloud). Images and
    sizes name the cloud that offers them; a cloud with instances on it cannot be deleted (disable it)."""
    list_display = ["name", "enabled", "priority", "connection_kind", "images", "sizes", "live_instances"]
    list_editable = ["enabled", "priority"]
    filter_horizontal = ["groups"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}  # Keystone without a scheme
    fieldsets = [
        (None, {"fields": ["name", "description", "enabled", "priority", "groups"]}),
        ("How visa connects: one of the settings, a clouds.yaml entry, or a Keystone URL", {"fields": [
            "from_settings", "clouds_yaml", "auth_url", "region_name", "project_name", "user_domain_name",
            "project_domain_name", "username", "password_variable", "application_credential_id",
            "application_credential_secret_variable"]}),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(
            image_count=Count("images", filter=Q(images__enabled=True), distinct=True),
            flavour_count=Count("flavours", filter=Q(flavours__enabled=True), distinct=True),
            live_count=Count("instances", filter=Q(instances__state__in=LIVE), distinct=True))

    @admin.display(description="connects with")
    def connection_kind(self, cloud):
        if cloud.from_settings:
            return "the OPENSTACK_* settings"
        if cloud.clouds_yaml:
            return f"clouds.yaml: {cloud.clouds_yaml}"
        return f"{cloud.auth_url} ({cloud.secret_variable})"

    @admin.display(description="environments", ordering="image_count")
    def images(self, cloud):
        return cloud.image_count

    @admin.display(description="sizes", ordering="flavour_count")
    def sizes(self, cloud):
        return cloud.flavour_count

    @admin.display(description="live instances", ordering="live_count")
    def live_instances(self, cloud):
        return cloud.live_count


@admin.register(Image)
class ImageAdmin(admin.ModelAdmin):
    list_display = ["icon_preview", "name", "provider", "cloud_id", "offers", "vnc_port", "enabled",
                    "auto_accept_extensions"]
    list_display_links = ["name"]
    list_filter = ["provider", "enabled"]

    @admin.display(description="icon")
    def icon_preview(self, image):
        return format_html('<img src="{}" alt="{}" width="24" height="24">',
                           static(image.icon_static), image.get_icon_display())


@admin.register(Flavour)
class FlavourAdmin(admin.ModelAdmin):
    list_display = ["name", "provider", "cloud_id", "cpus", "ram_mb", "gpus", "lifetime", "enabled"]
    list_filter = ["provider", "enabled"]


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


# What each lifecycle action asks the state machine for, and says when asked.
LIFECYCLE = {
    "start": (State.STARTING, "Asked to start"),
    "stop": (State.STOPPING, "Asked to stop"),
    "reboot": (State.REBOOTING, "Asked to reboot"),
    "delete": (State.DELETING, "Asked to delete"),
}


def _lifecycle_action(name, service):
    def action(modeladmin, request, queryset):
        done = []
        for instance in queryset:
            try:
                service(instance, request.user.username)
                done.append(f"“{instance.name}”")
            except IllegalTransition as error:
                modeladmin.message_user(request, f"{instance.name}: {error}", messages.WARNING)
        if done:
            modeladmin.message_user(request, f"{LIFECYCLE[name][1]} {', '.join(done)}; the state column shows "
                                             "when it is done.", messages.SUCCESS)

    action.__name__ = name
    return admin.action(description=f"{name.capitalize()} the selected instances")(action)


class MemberForm(forms.ModelForm):
    """A member added or changed here must be able to read the desktop's data, as sharing requires
    (the owner's People panel, links); support staff are trusted with what they help with."""

    def clean(self):
        data = super().clean()
        user, instance = data.get("user"), self.instance.instance if self.instance.instance_id else None
        if user and instance and data.get("role") in (Role.USER, Role.GUEST):
            try:
                check_data(user, instance)
            except NoAccess as refusal:
                raise forms.ValidationError(f"{user} may not be a member: {refusal}") from None
        return data


class MemberInline(admin.TabularInline):
    model = InstanceMember
    form = MemberForm
    extra = 0
    readonly_fields = ["token", "team", "created_at"]
    raw_id_fields = ["user"]


class BlockedInline(admin.TabularInline):
    """People the owner removed and blocked: deleting a row lets a link admit them again."""
    model = BlockedUser
    extra = 0
    readonly_fields = ["created_at"]
    raw_id_fields = ["user"]


@admin.register(Instance)
class InstanceAdmin(ButtonsMixin, admin.ModelAdmin):
    """Instances are launched by their owners (quota, data policy and the build go with it), so
    there is no Add here; owner, environment, size and data stay as launched: the owner and their
    USER members attach and detach data on the instance page or the API (`services.attach`, which
    asks `openaccess.policy` for the owner and everyone the desktop is shared with)."""
    list_display = ["name", "uuid", "owner", "state", "cloud", "flavour", "image", "created_at", "expires_at",
                    "last_activity_at"]
    list_filter = ["state", ExpiresSoon, "cloud", "image", "flavour"]
    search_fields = ["name", "uuid", "owner__username", "server_id"]
    readonly_fields = ["uuid", "owner", "cloud", "image", "flavour", "experiments", "state", "state_reason",
                       "server_id", "address", "activated_at", "state_changed_at", "last_activity_at",
                       "lifetime_warned_at", "inactivity_warned_at", "networks", "security_groups", "placement_reasons"]
    inlines = [EventInline, MemberInline, BlockedInline]
    actions = [_lifecycle_action(name, getattr(services, name)) for name in LIFECYCLE]
    buttons = (Button("start", "Start"), Button("stop", "Stop"), Button("reboot", "Reboot"),
               Button("delete", "Delete", danger=True,
                      confirm="Delete this instance? Its server and everything on its disk are removed for good."))
    buttons_heading = "Lifecycle"

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # rows stay for their history; "Delete" removes the server

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name != "expires_at":
            return super().formfield_for_dbfield(db_field, request, **kwargs)
        # the browser's own date and time field, labelled (Django's split one has no label for its parts)
        return db_field.formfield(
            form_class=forms.DateTimeField,
            widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
            help_text=f"Deleted at this time ({timezone.get_current_timezone_name()})")

    def offers(self, obj, button):
        return LIFECYCLE[button.name][0] in TRANSITIONS[State(obj.state)]

    def press(self, request, obj, button):
        try:
            getattr(services, button.name)(obj, request.user.username)
        except IllegalTransition as error:
            raise Refused(f"“{obj.name}” was not changed: {error} The page now shows its state.") from error
        state = obj.get_state_display().lower()
        return f"{LIFECYCLE[button.name][1]} “{obj.name}”: it is {state} now; this page shows when it is done."


@admin.register(LifetimeExtension)
class LifetimeExtensionAdmin(DecisionAdmin, admin.ModelAdmin):
    list_display = ["instance", "requested_by", "requested_at", "days", "reason", "decision", "decided_by"]
    list_filter = ["decision"]
    readonly_fields = ["instance", "requested_by", "days", "reason", "decision", "decided_by", "decided_at"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("instance", "requested_by")

    def decide(self, obj, operator, accept):
        return expiry.decide(obj, operator.username, accept=accept)

    def pending(self, obj):
        return obj.decision == LifetimeExtension.Decision.PENDING

    def decided_before(self, obj):
        return f"{obj.decision} by {obj.decided_by}"

    def decided(self, accept, extensions):
        verb = "Accepted" if accept else "Refused"
        return " ".join(f"{verb} {e.days} more day{'s' if e.days != 1 else ''} for “{e.instance.name}” "
                        f"(asked by {e.requested_by})." for e in extensions)


waiting.register(LifetimeExtension, "Lifetime extension requests", decision=LifetimeExtension.Decision.PENDING)
dashboard.register(dashboard_panel)


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

    @admin.action(description="Revoke and disconnect everyone admitted by them", permissions=["change"])
    def revoke(self, request, queryset):
        revoked = list(queryset.filter(revoked_at=None).select_related("instance"))
        for token in revoked:
            links.revoke(token)
        if revoked:
            names = ", ".join(f"“{token}” of “{token.instance.name}”" for token in revoked)
            self.message_user(request, f"Revoked {names}; everyone they admitted was disconnected.", messages.SUCCESS)
        if len(revoked) < len(queryset):
            self.message_user(request, f"{len(queryset) - len(revoked)} of the selected links had already been "
                                       "revoked: left unchanged.", messages.WARNING)


@admin.register(DesktopSession)
class DesktopSessionAdmin(admin.ModelAdmin):
    list_display = ["name", "role", "channel", "instance", "started_at", "ended_at"]
    list_filter = ["role", "channel"]
    readonly_fields = ["instance", "user", "name", "role", "channel", "token", "channel_name", "started_at",
                       "ended_at"]

    def has_add_permission(self, request):
        return False  # the desktop proxy records them


@admin.register(AccessRequest)
class AccessRequestAdmin(admin.ModelAdmin):
    list_display = ["user", "instance", "created_at", "answer", "answered_at"]
    readonly_fields = ["instance", "user", "created_at", "answer", "answered_at"]

    def has_add_permission(self, request):
        return False  # staff ask on the instance page, and its owner answers there


class PlacementRuleForm(forms.ModelForm):
    """A rule naming a network or security group the cloud does not have is refused here, so
    no launch fails for it; a cloud that does not answer leaves the names unchecked (a warning)."""

    unchecked = ""

    def clean(self):
        cleaned = super().clean()
        networks, groups = (cloud_names(cleaned.get(field) or "") for field in ("networks", "security_groups"))
        if not (networks or groups):
            return cleaned
        unanswered, lacking = [], []
        for where in cleaned.get("clouds") or Cloud.objects.filter(enabled=True):
            try:
                missing = driver.unknown_names(driver.connect(where, timeout=5), networks, groups)
            except driver.ERRORS as error:
                unanswered.append(f"{where.name} ({error})")
            else:
                lacking += [f"{the_cloud(where)} has no {' and no '.join(missing)}"] if missing else []
        if lacking:
            raise forms.ValidationError(f"{'; '.join(lacking)}. Check the names (the cloud's, case-sensitive), "
                                        "create them in the cloud first, or choose the clouds the rule is for.")
        if unanswered:
            self.unchecked = f"Not every cloud answered ({', '.join(unanswered)}): the names were not checked there."
        return cleaned


@admin.register(PlacementRule)
class PlacementRuleAdmin(admin.ModelAdmin):
    """Which networks and security groups a new VM gets (instances.lifecycle.placement)."""
    form = PlacementRuleForm
    list_display = ["name", "priority", "enabled", "last", "networks", "security_groups"]
    list_filter = ["enabled"]
    search_fields = ["name", "networks", "security_groups", "facility", "instrument"]
    fieldsets = [
        (None, {"fields": ["name", "priority", "enabled", "last"]}),
        ("When the launch has", {"fields": ["groups", "role", "facility", "instrument", "data", "images", "flavours",
                                            "clouds"],
                                 "description": "Every condition set must hold; an empty one holds for any launch."}),
        ("The VM gets", {"fields": ["networks", "security_groups"],
                         "description": "Added to what earlier matching rules chose; empty: nothing added."}),
    ]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if form.unchecked:
            messages.warning(request, form.unchecked)
