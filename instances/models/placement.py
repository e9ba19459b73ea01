"""Operators' rules for where a new VM is placed: the networks it joins and the security groups
it is in, chosen from what is known at launch (instances.lifecycle.placement applies them)."""
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import models

from .cloud import Cloud
from .instance import Flavour, Image


def cloud_names(value):
    """Networks or security groups, as the cloud names them: comma-separated, in order."""
    return [name.strip() for name in value.split(",") if name.strip()]


def _no_blank_names(value):
    if any(not name.strip() for name in value.split(",")) and value.strip():
        raise ValidationError("Separate names with single commas; a name may not be empty.")


class PlacementRule(models.Model):
    """When a launch meets every condition set (an empty one is met by any launch), the VM joins
    the rule's networks and security groups. Rules are taken by priority, lowest first; each rule
    that matches adds its names (each name once, in the order met); a rule marked "last" ends the
    search. When none matches, VISA_DEFAULT_NETWORKS and VISA_DEFAULT_SECURITY_GROUPS apply."""

    class Role(models.TextChoices):
        ANY = "", "anyone"
        STAFF = "staff", "staff (can use Django admin)"
        USER = "user", "users who are not staff"

    class Data(models.TextChoices):
        ANY = "", "any data or none"
        OPEN = "open", "open data only (every attached experiment is open)"
        CLOSED = "closed", "some data not open (under embargo or closed)"
        NONE = "none", "no data attached"

    name = models.CharField(max_length=100, unique=True, help_text="Shown to users beside what it chose")
    priority = models.PositiveIntegerField(default=100, help_text="Rules are taken lowest first")
    enabled = models.BooleanField(default=True)
    last = models.BooleanField(default=False, help_text="When it matches, no rule after it applies")
    # conditions
    groups = models.ManyToManyField(Group, blank=True, related_name="+",
                                    help_text="The owner is in one of these groups; none chosen: any owner")
    role = models.CharField(max_length=8, choices=Role.choices, default=Role.ANY, blank=True)
    facility = models.CharField(max_length=100, blank=True,
                                help_text="An attached experiment is of this facility; empty: any")
    instrument = models.CharField(max_length=100, blank=True,
                                  help_text="An attached experiment is on this instrument; empty: any")
    data = models.CharField(max_length=8, choices=Data.choices, default=Data.ANY, blank=True)
    images = models.ManyToManyField(Image, blank=True, related_name="+", help_text="None chosen: any environment")
    flavours = models.ManyToManyField(Flavour, blank=True, related_name="+", help_text="None chosen: any size")
    clouds = models.ManyToManyField(Cloud, blank=True, related_name="+",
                                    help_text="The launch is on one of these clouds; none chosen: any cloud "
                                              "(each must have the networks and security groups named)")
    # what it chooses
    networks = models.CharField(max_length=500, blank=True, validators=[_no_blank_names],
                                help_text="Network names, comma-separated; visa reaches the desktop on the first "
                                          "network of the VM")
    security_groups = models.CharField(max_length=500, blank=True, validators=[_no_blank_names],
                                       help_text="Security group names, comma-separated")

    class Meta:
        ordering = ["priority", "name"]

    def __str__(self):
        return self.name

    @property
    def network_names(self):
        return cloud_names(self.networks)

    @property
    def security_group_names(self):
        return cloud_names(self.security_groups)
