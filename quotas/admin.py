"""Operators set quotas here: usage beside each limit, inlines on users and groups, actions to
raise and reset, and the approval requests for open data. Every change is in the admin log."""
from django.contrib import admin, messages
from django.contrib.auth import admin as auth_admin
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from . import adjust, approval, usage
from .models import ApprovalRequest, Quota


def _used_of(quota, used, limit, unit=""):
    each = "" if quota.level == Quota.Level.USER else " each"
    return f"{used:g} of {limit}{unit}{each}"


class UsageColumns:
    """Columns that show the current usage beside each limit; `quota.usage` is set beforehand."""

    @admin.display(description="instances")
    def instances(self, quota):
        return _used_of(quota, quota.usage.instances, quota.max_instances)

    @admin.display(description="vCPUs")
    def vcpus(self, quota):
        return _used_of(quota, quota.usage.vcpus, quota.max_vcpus)

    @admin.display(description="RAM")
    def ram(self, quota):
        return _used_of(quota, round(quota.usage.ram_mb / 1024, 1), quota.max_ram_gb, " GB")

    @admin.display(description="current usage")
    def current_usage(self, quota):
        if not quota.pk:
            return "–"
        quota.usage = usage.of_quotas([quota])[quota.pk]
        whose = {Quota.Level.USER: "this user's", Quota.Level.GROUP: "the group's members'",
                 Quota.Level.DEFAULT: "everyone's"}[quota.level]
        return (f"{whose} running instances: {self.instances(quota)} instances, {self.vcpus(quota)} vCPUs, "
                f"{self.ram(quota)} RAM")


class LevelFilter(admin.SimpleListFilter):
    title = "level"
    parameter_name = "level"

    def lookups(self, request, model_admin):
        return Quota.Level.choices

    def queryset(self, request, queryset):
        return {
            Quota.Level.DEFAULT: queryset.filter(user=None, group=None),
            Quota.Level.GROUP: queryset.exclude(group=None),
            Quota.Level.USER: queryset.exclude(user=None),
        }.get(self.value(), queryset)


@admin.register(Quota)
class QuotaAdmin(UsageColumns, admin.ModelAdmin):
    list_display = ["__str__", "level", "purpose", "instances", "vcpus", "ram", "max_lifetime_hours",
                    "requires_approval"]
    list_filter = [LevelFilter, "purpose", "requires_approval", "flavours", "images"]
    search_fields = ["user__username", "user__email", "user__first_name", "user__last_name", "group__name"]
    autocomplete_fields = ["user", "group"]
    filter_horizontal = ["flavours", "images"]
    readonly_fields = ["current_usage"]
    actions = ["raise_by_one", "reset"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("user", "group")

    def get_changelist_instance(self, request):
        changelist = super().get_changelist_instance(request)
        changelist.result_list = list(changelist.result_list)
        found = usage.of_quotas(changelist.result_list)
        for quota in changelist.result_list:
            quota.usage = found[quota.pk]
        return changelist

    @admin.action(description="Raise by one instance (with room for the largest size)", permissions=["change"])
    def raise_by_one(self, request, queryset):
        for quota in queryset:
            adjust.raise_quota(quota)
            self.log_change(request, quota, f"Raised to {quota.max_instances} instances, {quota.max_vcpus} vCPUs, "
                                             f"{quota.max_ram_gb} GB.")
        self.message_user(request, f"Raised {len(queryset)} quota(s) by one instance.", messages.SUCCESS)

    @admin.action(description="Reset (users and groups fall back to the next level; defaults to built-in values)",
                  permissions=["change", "delete"])
    def reset(self, request, queryset):
        for quota in queryset:
            if quota.level == Quota.Level.DEFAULT:
                adjust.reset_quota(quota)
                self.log_change(request, quota, "Reset to the built-in limits.")
            else:
                self.log_deletions(request, [quota])
                adjust.reset_quota(quota)
        self.message_user(request, f"Reset {len(queryset)} quota(s).", messages.SUCCESS)


class QuotaInline(UsageColumns, admin.TabularInline):
    model = Quota
    extra = 0
    fields = ["purpose", "max_instances", "max_vcpus", "max_ram_gb", "max_lifetime_hours", "requires_approval",
              "current_usage"]
    readonly_fields = ["current_usage"]
    show_change_link = True  # allowed sizes and environments are set on the quota's own page


@admin.register(ApprovalRequest)
class ApprovalRequestAdmin(admin.ModelAdmin):
    list_display = ["user", "state", "created_at", "reason", "decided_by", "decided_at"]
    list_filter = ["state"]
    search_fields = ["user__username", "user__email", "user__first_name", "user__last_name", "reason"]
    readonly_fields = ["user", "reason", "state", "created_at", "decided_by", "decided_at"]
    actions = ["accept", "refuse"]

    def has_add_permission(self, request):
        return False  # users ask from the page of an open dataset

    def _decide(self, request, queryset, accept):
        decided = [item for item in queryset if approval.decide(item, request.user, accept)]
        for item in decided:
            self.log_change(request, item, "Accepted." if accept else "Refused.")
        self.message_user(request, f"{'Accepted' if accept else 'Refused'} {len(decided)} request(s); "
                                   "each user was told by e-mail.", messages.SUCCESS)

    @admin.action(description="Accept (and tell the users by e-mail)", permissions=["change"])
    def accept(self, request, queryset):
        self._decide(request, queryset, True)

    @admin.action(description="Refuse (and tell the users by e-mail)", permissions=["change"])
    def refuse(self, request, queryset):
        self._decide(request, queryset, False)


User = get_user_model()
admin.site.unregister(User)
admin.site.unregister(Group)


@admin.register(User)
class UserAdmin(auth_admin.UserAdmin):
    inlines = [*auth_admin.UserAdmin.inlines, QuotaInline]


@admin.register(Group)
class GroupAdmin(auth_admin.GroupAdmin):
    inlines = [*auth_admin.GroupAdmin.inlines, QuotaInline]
