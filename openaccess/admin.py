from django import forms
from django.contrib import admin
from django.utils import timezone

from .models import Dataset, Experiment, ExperimentMember, FacilityAccount


class DatasetInline(admin.TabularInline):
    model = Dataset
    extra = 0


class MemberInline(admin.TabularInline):
    model = ExperimentMember
    extra = 0
    autocomplete_fields = ["user"]


class ExperimentForm(forms.ModelForm):
    class Meta:
        model = Experiment
        fields = "__all__"

    def clean(self):
        data = super().clean()
        if "open_override" in self.changed_data and data.get("open_override") and not data.get("override_reason"):
            self.add_error("override_reason", "Say why you override the release date: users and auditors see it.")
        return data


@admin.register(Experiment)
class ExperimentAdmin(admin.ModelAdmin):
    form = ExperimentForm
    list_display = ["proposal_id", "title", "instrument", "end_date", "release_date", "open_override"]
    list_filter = ["instrument", "open_override"]
    search_fields = ["proposal_id", "title", "datasets__doi"]
    readonly_fields = ["override_by", "override_at"]
    inlines = [DatasetInline, MemberInline]

    def save_model(self, request, obj, form, change):
        if "open_override" in form.changed_data:  # who and when, beside the reason they gave
            obj.override_by, obj.override_at = request.user, timezone.now()
        super().save_model(request, obj, form, change)


@admin.register(Dataset)
class DatasetAdmin(admin.ModelAdmin):
    list_display = ["doi", "experiment", "title"]
    search_fields = ["doi", "title", "experiment__proposal_id"]


@admin.register(FacilityAccount)
class FacilityAccountAdmin(admin.ModelAdmin):
    list_display = ["facility_user_id", "user", "login", "uid", "gid"]
    search_fields = ["facility_user_id", "user__username", "login"]
