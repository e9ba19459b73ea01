from django.conf import settings
from django.contrib.postgres.search import SearchVector, SearchVectorField
from django.db import connection, models


class Experiment(models.Model):
    """A proposal's experiment: its data sits on dCache under data_path."""

    class Override(models.TextChoices):
        NONE = "", "by release date"
        OPEN = "open", "forced open"
        CLOSED = "closed", "forced closed"

    proposal_id = models.CharField(max_length=64, unique=True)
    title = models.CharField(max_length=500)
    abstract = models.TextField(blank=True)
    facility = models.CharField(max_length=100, blank=True)
    instrument = models.CharField(max_length=100)
    techniques = models.JSONField(default=list, blank=True)
    keywords = models.JSONField(default=list, blank=True)
    licence = models.CharField(max_length=200, blank=True)
    start_date = models.DateField()
    end_date = models.DateField()
    data_path = models.CharField(max_length=500, help_text="dCache path of the raw data")
    release_date = models.DateTimeField(
        null=True, blank=True,
        help_text="When the data becomes open to anyone who signs in; empty: the facility's embargo rule",
    )
    open_override = models.CharField(
        max_length=8, choices=Override.choices, default=Override.NONE, blank=True
    )
    override_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    override_reason = models.CharField(max_length=500, blank=True)
    override_at = models.DateTimeField(null=True, blank=True)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="ExperimentMember", related_name="experiments"
    )
    # Full-text search on PostgreSQL (a GIN index over it, see the migration); unused on SQLite.
    search_vector = SearchVectorField(null=True, editable=False)

    class Meta:
        ordering = ["-start_date"]

    def __str__(self):
        return f"{self.proposal_id}: {self.title}"

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        refresh_search_vectors(Experiment.objects.filter(pk=self.pk))


def refresh_search_vectors(experiments):
    """Recompute the search vectors of these experiments, in one UPDATE (PostgreSQL only)."""
    if connection.vendor == "postgresql":
        experiments.update(search_vector=(
            SearchVector("title", weight="A", config="english")
            + SearchVector("keywords", weight="B", config="english")
            + SearchVector("abstract", weight="C", config="english")
        ))


class ExperimentMember(models.Model):
    experiment = models.ForeignKey(Experiment, on_delete=models.CASCADE)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["experiment", "user"], name="unique_experiment_member")
        ]

    def __str__(self):
        return f"{self.user} in {self.experiment.proposal_id}"


class FacilityAccount(models.Model):
    """A user's id in the facility's user office, as the OIDC provider tells it (visa.auth):
    the key the facility lists experiment members by."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="facility_account")
    facility_user_id = models.CharField(max_length=100, unique=True)

    def __str__(self):
        return f"{self.user}: {self.facility_user_id}"


class Dataset(models.Model):
    """A DOI minted for (part of) an experiment's data: a data portal's entry point into visa."""

    doi = models.CharField(max_length=255, unique=True, help_text="Stored lower case, without prefix")
    experiment = models.ForeignKey(Experiment, on_delete=models.CASCADE, related_name="datasets")
    title = models.CharField(max_length=500, blank=True)

    def __str__(self):
        return self.doi

    def save(self, *args, **kwargs):
        self.doi = self.doi.lower()
        super().save(*args, **kwargs)
