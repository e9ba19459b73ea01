"""The clouds visa launches on: how to reach each, who may use it, in which order they are offered.

No secret is stored here: a cloud's password or application credential secret is read at connect
time from an environment variable the row names (`instances/cloud/driver.py`), or lives in the
host's clouds.yaml. Variables must start with OPENSTACK_, so an admin page can never point visa
at another of its own secrets (the secret key, the database's password) and send it to a cloud.
"""
import os

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models

SECRET_VARIABLE = RegexValidator(
    r"^OPENSTACK_[A-Z0-9_]+$",
    "The name of an environment variable starting with OPENSTACK_, e.g. OPENSTACK_PASSWORD_SITE_B.",
)


class Cloud(models.Model):
    """One OpenStack project visa launches in. Connected through one of: the OPENSTACK_* settings
    (`from_settings`, the cloud visa had before clouds were registered), a clouds.yaml entry, or
    the fields here with a password or an application credential from the environment."""

    name = models.CharField(max_length=64, unique=True, help_text="Shown to users where they choose, and in metrics")
    description = models.CharField(max_length=200, blank=True, help_text="Shown to users beside its name")
    enabled = models.BooleanField(default=True, help_text="Offered for new desktops; desktops on it go on either way")
    priority = models.PositiveIntegerField(
        default=100, help_text="Lower first: the cloud a launch goes to when the user does not choose")
    groups = models.ManyToManyField(
        Group, blank=True, related_name="+", help_text="Who may launch on it; none chosen means everyone")
    from_settings = models.BooleanField(
        default=False, help_text="Connect as the OPENSTACK_* settings say (then leave the fields below empty)")
    clouds_yaml = models.CharField(
        "clouds.yaml entry", max_length=100, blank=True,
        help_text="The entry of clouds.yaml on visa's hosts (then leave the fields below empty)")
    auth_url = models.URLField("Keystone URL", blank=True, help_text="e.g. https://keystone.example.org:5000/v3")
    region_name = models.CharField(max_length=100, blank=True)
    project_name = models.CharField(max_length=100, blank=True)
    user_domain_name = models.CharField(max_length=100, blank=True, default="Default")
    project_domain_name = models.CharField(max_length=100, blank=True, default="Default")
    username = models.CharField(max_length=100, blank=True)
    password_variable = models.CharField(
        max_length=100, blank=True, validators=[SECRET_VARIABLE],
        help_text="The environment variable that holds the password (on the web and worker hosts)")
    application_credential_id = models.CharField(max_length=100, blank=True)
    application_credential_secret_variable = models.CharField(
        max_length=100, blank=True, validators=[SECRET_VARIABLE],
        help_text="The environment variable that holds the application credential's secret")
    # Until when a worker watches its servers for the instances waiting on it (lifecycle.watch).
    watched_until = models.DateTimeField(null=True, editable=False)

    class Meta:
        ordering = ["priority", "name"]

    def __str__(self):
        return self.name

    def clean(self):
        ways = [self.from_settings, bool(self.clouds_yaml), bool(self.auth_url)]
        if sum(ways) != 1:
            raise ValidationError("Choose one way to connect: the settings, a clouds.yaml entry, or a Keystone URL.")
        if not self.auth_url:
            return
        if bool(self.username) == bool(self.application_credential_id):
            raise ValidationError("With a Keystone URL, give a user name or an application credential id (one).")
        variable = "password_variable" if self.username else "application_credential_secret_variable"
        name = getattr(self, variable)
        if not name:
            raise ValidationError({variable: "Name the environment variable that holds the secret."})
        if name not in os.environ:
            raise ValidationError({variable: f"{name} is not set in visa's environment: set it on the web and "
                                             "worker hosts (deploy/visa.env), restart them, then save."})

    @property
    def connection(self):
        """What openstack.connect takes for this cloud, with the secret read from the environment
        now (so a changed variable takes effect without touching the database); None for the settings."""
        if self.from_settings:
            return None
        if self.clouds_yaml:
            return {"cloud": self.clouds_yaml}
        options = {"auth_url": self.auth_url, "region_name": self.region_name or None,
                   "project_name": self.project_name or None, "user_domain_name": self.user_domain_name or None,
                   "project_domain_name": self.project_domain_name or None}
        options = {name: value for name, value in options.items() if value is not None}
        if self.application_credential_id:
            return {**options, "auth_type": "v3applicationcredential",
                    "application_credential_id": self.application_credential_id,
                    "application_credential_secret": os.environ.get(self.application_credential_secret_variable)}
        return {**options, "username": self.username, "password": os.environ.get(self.password_variable)}

    @property
    def secret_variable(self):
        """The environment variable its secret comes from, if it has one."""
        if self.auth_url:
            return self.application_credential_secret_variable if self.application_credential_id \
                else self.password_variable
        return ""

    @classmethod
    def default_pk(cls):
        """The cloud of the OPENSTACK_* settings, made if missing: the catalogue and instances made
        without naming a cloud (the demo's seed, older code) are on it."""
        found = cls.objects.filter(from_settings=True).order_by("pk").values_list("pk", flat=True).first()
        return found or cls.objects.create(name=settings_cloud_name(), from_settings=True, priority=0).pk


def settings_cloud_name():
    """The name of the cloud of the OPENSTACK_* settings, as metrics named it before clouds were
    registered: its clouds.yaml entry, else its region."""
    return settings.OPENSTACK_CLOUD or settings.OPENSTACK["region_name"]
