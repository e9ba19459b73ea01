"""Readers of settings from the environment (visa/settings.py).

Each refuses a bad value at start, with a message naming the variable, its value and what it
should be, rather than a bare ValueError or a surprise in a task hours later.
"""
import ipaddress
import math
import os
import re
from string import Formatter
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.core.exceptions import ImproperlyConfigured

TRUE, FALSE = ("1", "true", "yes", "on"), ("0", "false", "no", "off")


def invalid(name, value, expected):
    """The error that stops start-up: the setting, its value and what it should be."""
    return ImproperlyConfigured(f"{name} must be {expected}, not {value!r}")


def either(choices):
    """'a, b or c', for a message."""
    *others, last = choices
    return f"{', '.join(others)} or {last}" if others else last


def required(name, because):
    """A setting that must be set because another one is."""
    value = os.environ.get(name, "")
    if not value:
        raise ImproperlyConfigured(f"{name} must be set because {because}.")
    return value


def flag(name, default=False):
    """On or off (empty: off); a typo is refused rather than read as off."""
    value = os.environ.get(name, str(default))
    if value.lower() not in TRUE + FALSE + ("",):
        raise invalid(name, value, f"on ({either(TRUE)}) or off ({either(FALSE)})")
    return value.lower() in TRUE


def names(name, default=""):
    """Comma-separated values, blanks dropped."""
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def choice(name, default, choices):
    """One of a few known words: another would silently act as one of them."""
    value = os.environ.get(name, default)
    if value not in choices:
        raise invalid(name, value, either(choices))
    return value


def integer(name, default, minimum=0):
    """A whole number of at least `minimum`."""
    value = os.environ.get(name, str(default))
    try:
        number = int(value)
    except ValueError:
        number = None
    if number is None or number < minimum:
        raise invalid(name, value, f"a whole number of at least {minimum}")
    return number


def seconds(name, default, zero=False):
    """A duration in seconds above 0; `zero` also allows 0 where it means "at once"."""
    return _duration(name, default, "seconds", zero)


def hours(name, default, zero=False):
    """A duration in hours above 0; `zero` also allows 0 where it means "none"."""
    return _duration(name, default, "hours", zero)


def _duration(name, default, unit, zero):
    value = os.environ.get(name, str(default))
    try:
        number = float(value)
    except ValueError:
        number = math.nan
    if not (math.isfinite(number) and (number >= 0 if zero else number > 0)):
        raise invalid(name, value, f"a number of {unit} {'of 0 or more' if zero else 'above 0'}")
    return number


def url(name, default):
    """An http(s) URL: links in e-mails and the VMs' requests are built on it."""
    value = os.environ.get(name, default)
    if not re.fullmatch(r"https?://[^\s/?#]+\S*", value):
        raise invalid(name, value, "an http:// or https:// URL")
    return value


def origin_template(name, default):
    """An origin (scheme, host, optional port; no path) whose host holds {uuid}: one origin per instance."""
    value = os.environ.get(name, default)
    if not re.fullmatch(r"https?://[a-z0-9.-]*\{uuid\}[a-z0-9.-]*(:\d{1,5})?", value):
        raise invalid(name, value, "an origin whose host name holds {uuid}, such as https://{uuid}.notebooks.example.org")
    return value


def rate(name, default):
    """Requests per period, as Django REST framework's throttles read it: 60/minute."""
    value = os.environ.get(name, default)
    if not re.fullmatch(r"[1-9]\d{0,8}/(second|minute|hour|day)", value):
        raise invalid(name, value, "a number of requests per second, minute, hour or day, such as 60/minute")
    return value


def time_zone(name, default):
    """A time zone of the IANA database, as zoneinfo names it."""
    value = os.environ.get(name, default)
    try:
        ZoneInfo(value)
    except (ValueError, ZoneInfoNotFoundError):
        raise invalid(name, value, "a time zone name such as Europe/Berlin") from None
    return value


def regex(name, default):
    """A regular expression, compiled now rather than at the first sign-in."""
    value = os.environ.get(name, default)
    try:
        re.compile(value)
    except re.error as error:
        raise invalid(name, value, f"a regular expression ({error})") from None
    return value


def template(name, default):
    """A text filled in later (str.format) with the {placeholders} of the default, and no others."""
    value = os.environ.get(name, default)
    fields = [field for _, field, _, _ in Formatter().parse(default) if field]
    try:
        value.format(**dict.fromkeys(fields, ""))
    except (AttributeError, IndexError, KeyError, ValueError):
        placeholders = either([f"{{{field}}}" for field in fields])
        raise invalid(name, value, f"a text with no placeholder but {placeholders}") from None
    return value


def absolute_path(name, default):
    """An absolute path, meaning the same whatever the working directory."""
    value = os.environ.get(name, default)
    if not value.startswith("/"):
        raise invalid(name, value, "an absolute path")
    return value


def networks(name, default=""):
    """Addresses or networks (comma-separated: 10.0.0.5, 10.1.0.0/16, ::1), each checked now."""
    found = []
    for item in names(name, default):
        try:
            found.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            raise invalid(name, item, "IP addresses or networks such as 10.0.0.5 or 10.1.0.0/16") from None
    return found
