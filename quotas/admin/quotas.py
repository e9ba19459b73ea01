"""Quotas in Django admin: usage beside each limit, a new quota starting from its purpose's
defaults, quotas on user and group pages, actions to raise and reset. Every change is in the admin log."""
from django import forms
from django.contrib import admin, messages
from django.contrib.auth import admin as auth_admin
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.template.response import TemplateResponse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from .. import adjust, usage
from ..models import Purpose, Quota

PER = {Quota.Level.GROUP: "per member", Quota.Level.DEFAULT: "per user"}
WHOSE = {Quota.Level.USER: "This user", Quota.Level.GROUP: "The group's members together",
         Quota.Level.DEFAULT: "Everyone together"}


def _in_use(quota, used, limit, what):
    """"2 of 3 instances running" for a user; a group's or the default's limit holds for each of its
    users, beside their usage together: "5 instances running, up to 2 per user"."""
    if quota.level == Quota.Level.USER:
        return f"{used:g} of {limit} {what}"
    return f"{used:g} {what}, up to {limit} {PER[quota.level]}"


def _usage_lines(quota):
    """`quota.usage` beside each limit, in words."""
    used = quota.usage
    return [_in_use(quota, used.instances, quota.max_instances, "instances running"),
            _in_use(quota, used.vcpus, quota.max_vcpus, "vCPUs in use"),
            _in_use(quota, round(used.ram_mb / 1024, 1), quota.max_ram_gb, "GB of RAM in use"),
            *([_in_use(quota, used.gpus, quota.max_gpus, "GPUs in use")] if quota.max_gpus or used.gpus else [])]


class EmptyIsZero(forms.IntegerField):
    def clean(self, value):
        return super().clean(value) or 0


class UsageColumns:
    """Columns that show the current usage beside each limit; `quota.usage` is set beforehand.
    GPUs left empty are none: forms made before devices were counted send no such field."""

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "max_gpus":
            kwargs.update(form_class=EmptyIsZero, required=False)
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    @admin.display(description="in use")
    def in_use(self, quota):
        return format_html_join(mark_safe("<br>"), "{}", ((line,) for line in _usage_lines(quota)))

    @admin.display(description="longest lifetime")
    def lifetime(self, quota):
        days, hours = divmod(quota.max_lifetime_hours, 24)
        parts = [f"{n} {unit}{'s' if n != 1 else ''}" for n, unit in ((days, "day"), (hours, "hour")) if n]
        return " ".join(parts) or "0 hours"

    @admin.display(description="current usage")
    def current_usage(self, quota):
        if not quota.pk:
            return "–"
        quota.usage = usage.of_quotas([quota])[quota.pk]
        return f"{WHOSE[quota.level]}: {'; '.join(_usage_lines(quota))}."


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


def _with_purpose(request, purpose=None):
    """The add page's query string with `purpose` set (or left out), keeping the rest (user, group)."""
    query = request.GET.copy()
    query.pop("purpose", None)
    if purpose:
        query["purpose"] = purpose
    return f"{request.path}?{query.urlencode()}"


@admin.register(Quota)
class QuotaAdmin(UsageColumns, admin.ModelAdmin):
    list_display = ["holder", "purpose", "in_use", "lifetime", "requires_approval"]
    list_filter = [LevelFilter, "purpose", "requires_approval", "flavours", "images"]
    search_fields = ["user__username", "user__email", "user__first_name", "user__last_name", "group__name"]
    autocomplete_fields = ["user", "group"]
    filter_horizontal = ["flavours", "images"]
    readonly_fields = ["current_usage"]
    actions = ["raise_by_one", "reset"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("user", "group")

    @admin.display(description="for", ordering="user__username")
    def holder(self, quota):
        return {Quota.Level.USER: quota.user, Quota.Level.GROUP: f"group {quota.group}",
                Quota.Level.DEFAULT: "everyone (default)"}[quota.level]

    def get_changelist_instance(self, request):
        changelist = super().get_changelist_instance(request)
        changelist.result_list = list(changelist.result_list)
        found = usage.of_quotas(changelist.result_list)
        for quota in changelist.result_list:
            quota.usage = found[quota.pk]
        return changelist

    def add_view(self, request, form_url="", extra_context=None):
        """The purpose comes first, since the form starts from its default quota's figures."""
        purpose = request.GET.get("purpose")
        if purpose not in Purpose.values:
            choices = [(label, _with_purpose(request, value)) for value, label in Purpose.choices]
            return TemplateResponse(request, "admin/quotas/quota/choose_purpose.html", {
                **self.admin_site.each_context(request), "opts": self.opts, "title": "Add a quota: for which launches?",
                "unknown": purpose, "choices": choices,
            }, status=400 if purpose else 200)
        return super().add_view(request, form_url, extra_context)

    def get_changeform_initial_data(self, request):
        """A new quota starts from the default quota of its purpose (as operators set it)."""
        initial = super().get_changeform_initial_data(request)
        purpose = request.GET["purpose"]
        start = Quota.objects.filter(purpose=purpose, user=None, group=None).first() or Quota.default(purpose)
        initial.update({name: getattr(start, name) for name in (
            "max_instances", "max_vcpus", "max_ram_gb", "max_gpus", "max_lifetime_hours", "requires_approval")})
        if start.pk:
            initial.update(flavours=list(start.flavours.all()), images=list(start.images.all()))
        return initial

    def get_form(self, request, obj=None, change=False, **kwargs):
        """The purpose is shown, never changed: a quota keeps the purpose its figures were chosen for."""
        purpose = obj.purpose if obj else request.GET["purpose"]

        class ForPurpose(super().get_form(request, obj, change=change, **kwargs)):
            def __init__(self, *args, **kwargs):  # a disabled field's value is its initial one, on POST too
                super().__init__(*args, **{**kwargs, "initial": {**(kwargs.get("initial") or {}), "purpose": purpose}})

        field = ForPurpose.base_fields["purpose"]
        field.disabled = True
        if obj is None:
            field.help_text = format_html('The limits below start from its default quota. <a href="{}">Choose the '
                                          "other purpose</a>.", _with_purpose(request))
        else:
            field.help_text = "To limit the other purpose, add a quota for it."
        return ForPurpose

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
    """A user's or group's quotas; a new one is added on its own page ("Add a quota" below the
    inlines), which starts from the chosen purpose's defaults."""
    model = Quota
    extra = 0
    fields = ["purpose", "max_instances", "max_vcpus", "max_ram_gb", "max_gpus", "max_lifetime_hours",
              "requires_approval", "current_usage"]
    readonly_fields = ["purpose", "current_usage"]
    show_change_link = True  # allowed sizes and environments are set on the quota's own page

    def has_add_permission(self, request, obj=None):
        return False


User = get_user_model()
admin.site.unregister(User)
admin.site.unregister(Group)


@admin.register(User)
class UserAdmin(auth_admin.UserAdmin):
    change_form_template = "admin/quotas/with_quotas_change_form.html"
    inlines = [*auth_admin.UserAdmin.inlines, QuotaInline]


@admin.register(Group)
class GroupAdmin(auth_admin.GroupAdmin):
    change_form_template = "admin/quotas/with_quotas_change_form.html"
    inlines = [*auth_admin.GroupAdmin.inlines, QuotaInline]
