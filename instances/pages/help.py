"""The help page for users: launching, data, sharing, expiry, and what to do when something fails.
Open to everyone. Its numbers and choices are the settings' own, so it stays true wherever operators
change them."""
from datetime import timedelta

from django.conf import settings
from django.shortcuts import render

from instances.lifecycle.expiry import MAX_EXTENSION_DAYS, in_words
from instances.sharing.links import MAX_LINK_HOURS


def _hours(value):
    return in_words(timedelta(hours=value))


def help_page(request):
    return render(request, "instances/help.html", {
        "lifetime": _hours(settings.VISA_LIFETIME_HOURS),
        "inactivity": _hours(settings.VISA_INACTIVITY_HOURS),
        "lifetime_warning": settings.VISA_LIFETIME_WARNING_HOURS and _hours(settings.VISA_LIFETIME_WARNING_HOURS),
        "inactivity_warning": (settings.VISA_INACTIVITY_WARNING_HOURS
                               and _hours(settings.VISA_INACTIVITY_WARNING_HOURS)),
        "max_extension_days": MAX_EXTENSION_DAYS,
        "link_lifetime": _hours(MAX_LINK_HOURS),
        "mount_root": settings.VISA_DATA_MOUNT_ROOT,
        "open_data": settings.VISA_OPEN_DATA,
        "embargo_years": settings.VISA_EMBARGO_YEARS,
        "owner_leaves": settings.VISA_OWNER_LEAVES,
        "owner_grace": settings.VISA_OWNER_GRACE,
        "open_data_guests": settings.VISA_OPEN_DATA_GUESTS,
    })
