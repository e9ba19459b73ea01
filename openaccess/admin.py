from django.contrib import admin

from .models import Dataset, Experiment, ExperimentMember


class DatasetInline(admin.TabularInline):
    model = Dataset
    extra = 0


class MemberInline(admin.TabularInline):
    model = ExperimentMember
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Experiment)
class ExperimentAdmin(admin.ModelAdmin):
    list_display = ["proposal_id", "title", "instrument", "start_date", "release_date", "open_override"]
    list_filter = ["instrument", "open_override"]
    search_fields = ["proposal_id", "title", "datasets__doi"]
    inlines = [DatasetInline, MemberInline]


@admin.register(Dataset)
class DatasetAdmin(admin.ModelAdmin):
    list_display = ["doi", "experiment", "title"]
    search_fields = ["doi", "title", "experiment__proposal_id"]
