"""What operators do to quotas from the admin: raise one by an instance, or reset it."""
import math

from .models import DEFAULT_LIMITS, Quota


def raise_quota(quota):
    """One more instance, with room for the largest size the quota allows."""
    if quota.pk and quota.flavours.exists():
        sizes = quota.flavours.all()
    else:  # none chosen: every enabled size (the model of `flavours` belongs to the app above)
        sizes = Quota.flavours.rel.model.objects.filter(enabled=True)
    largest = sizes.order_by("-cpus", "-ram_mb").first()
    quota.max_instances += 1
    if largest:
        quota.max_vcpus += largest.cpus
        quota.max_ram_gb += math.ceil(largest.ram_mb / 1024)
    quota.save()


def reset_quota(quota):
    """A user's or group's quota is deleted (the next level applies again); the default gets the
    built-in values back."""
    if quota.level != Quota.Level.DEFAULT:
        quota.delete()
        return
    for name, value in DEFAULT_LIMITS[quota.purpose].items():
        setattr(quota, name, value)
    quota.max_gpus = 0  # the model's default: devices are granted, never there by default
    quota.requires_approval = False
    quota.save()
    quota.flavours.clear()
    quota.images.clear()
