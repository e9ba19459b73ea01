"""Log lines that say what they are about: the request's id (X-Request-ID, from nginx or made by
asgi-correlation-id's middleware in visa.asgi) and the instance a step, task or desktop connection
works on, as text or as JSON (VISA_LOG_FORMAT) for a log collector."""
import contextlib
import logging
from contextvars import ContextVar

from asgi_correlation_id.context import correlation_id

INSTANCE = ContextVar("instance", default="")


@contextlib.contextmanager
def about(instance_uuid):
    """Log lines within are about this instance."""
    token = INSTANCE.set(str(instance_uuid))
    try:
        yield
    finally:
        INSTANCE.reset(token)


class Context(logging.Filter):
    """Puts the request's id and the instance on each record."""

    def filter(self, record):
        record.request_id, record.instance = correlation_id.get() or "", INSTANCE.get()
        return True


class Text(logging.Formatter):
    """The message, then what it is about when known: "... [request 3f2a..., instance 6c1e...]"."""

    def format(self, record):
        about = ", ".join(f"{name} {value}" for name, value in (
            ("request", getattr(record, "request_id", "")), ("instance", getattr(record, "instance", ""))) if value)
        return super().format(record) + (f" [{about}]" if about else "")


def config(level, form):
    """The LOGGING setting: everything to the console, as `form` ("text" or "json") says."""
    formatter = {
        "text": {"()": "visa.logs.Text", "format": "%(levelname)s %(name)s %(message)s"},
        "json": {"()": "pythonjsonlogger.json.JsonFormatter", "timestamp": "time",  # ISO 8601, UTC
                 "fmt": "%(levelname)s %(name)s %(message)s %(request_id)s %(instance)s",
                 "rename_fields": {"levelname": "level"}},
    }[form]
    return {
        "version": 1, "disable_existing_loggers": False,
        "filters": {"context": {"()": "visa.logs.Context"}},
        "formatters": {"visa": formatter},
        "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "visa", "filters": ["context"]}},
        "root": {"handlers": ["console"], "level": level},
    }
