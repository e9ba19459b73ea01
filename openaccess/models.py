from django.conf import settings
from django.contrib.postgres.search import SearchVector, SearchVectorField
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
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
        # A search's facets (openaccess.search.chosen): its page reads the experiments that match
        # both the words and the facet, not every match of the words.
        indexes = [models.Index(fields=["facility"], name="experiment_facility"),
                   models.Index(fields=["instrument"], name="experiment_instrument"),
                   models.Index(fields=["start_date"], name="experiment_start_date")]

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


# POSIX names as useradd takes them (lower case, at most 32 characters), and a group with an
# optional fixed id ("spb" or "spb:2001"); ids from 1 (never root's 0) to 2^31 - 2, but not
# nobody's and nogroup's 65534 and the invalid 65535.
POSIX_NAME = r"[a-z_][a-z0-9_.-]{0,31}"
MAX_POSIX_ID = 2**31 - 2
NOBODY = (65534, 65535)
posix_name = RegexValidator(rf"^{POSIX_NAME}\Z", "A POSIX name: lower-case letters, digits, _ . -, at most 32.")
home_path = RegexValidator(r"^(/(?!\.\.?(/|\Z))[A-Za-z0-9_.-]+)+\Z",
                           "An absolute path of letters, digits, _ . - (no . or .. parts).")
group_entry = RegexValidator(rf"^{POSIX_NAME}(:[0-9]{{1,10}})?\Z", "A group: a POSIX name, optionally :gid.")


def not_nobody(value):
    if value in NOBODY:
        raise ValidationError(f"{value} is nobody's id, which no account should have.")


posix_id = [MinValueValidator(1), MaxValueValidator(MAX_POSIX_ID), not_nobody]


def valid_groups(value):
    if not isinstance(value, list) or len(value) > 100:
        raise ValidationError("A list of at most 100 groups.")
    for entry in value:
        group_entry(str(entry))
        if ":" in str(entry):
            gid = int(str(entry).partition(":")[2])
            for check in posix_id:
                check(gid)


class FacilityAccount(models.Model):
    """A user's id in the facility's user office, as the OIDC provider tells it (visa.auth):
    the key the facility lists experiment members by; and the user's POSIX identity at the
    facility, which their desktops' account takes (instances.cloud.cloudinit)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="facility_account")
    facility_user_id = models.CharField(max_length=100, unique=True, null=True, blank=True)
    login = models.CharField(max_length=32, blank=True, validators=[posix_name],
                             help_text="Login name on the facility's computers")
    uid = models.PositiveIntegerField(null=True, blank=True, validators=posix_id, help_text="Numeric user id")
    gid = models.PositiveIntegerField(null=True, blank=True, validators=posix_id, help_text="Primary group id")
    group = models.CharField(max_length=32, blank=True, validators=[posix_name],
                             help_text="Primary group's name; empty: the login name")
    groups = models.JSONField(default=list, blank=True, validators=[valid_groups],
                              help_text='Secondary groups, e.g. ["spb", "xfel:2001"] (name, optionally :gid)')
    home = models.CharField(max_length=200, blank=True, validators=[home_path],
                            help_text="Home directory; empty: /home/<login>")

    def __str__(self):
        return f"{self.user}: {self.facility_user_id or self.login}"

    @property
    def has_identity(self):
        """Whether it says who the user is on the facility's computers: a login and a uid."""
        return bool(self.login and self.uid)


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
