from django.apps import AppConfig
from django.db import connections
from django.db.models.signals import post_migrate

from .fulltext import ensure_sqlite_index


class OpenaccessConfig(AppConfig):
    name = "openaccess"
    verbose_name = "Open access: experiments and data"

    def ready(self):
        post_migrate.connect(_ensure_search_index, sender=self)


def _ensure_search_index(using, **kwargs):
    """A migration that alters the experiment table on SQLite remakes it without the FTS5 triggers."""
    ensure_sqlite_index(connections[using])
