"""Full-text matching of experiments (title, abstract, keywords) on either database.

PostgreSQL: web-search syntax over the GIN-indexed `search_vector` (models.refresh_search_vectors).
SQLite (the demo): an FTS5 table over the same columns, with Porter stemming, kept current by
triggers and ranked by bm25 with the same weights (title over keywords over abstract). SQLite
remakes a table to alter it, which drops its triggers, so `ensure_sqlite_index` runs after every
migrate (apps.py) and rebuilds the index whenever it had to create anything.
"""
import re

from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db.models import F, FloatField, Q
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce

TABLE = "openaccess_experiment_fts"
COLUMNS = ("title", "abstract", "keywords")
WEIGHTS = "10.0, 1.0, 4.0"  # bm25 weights of COLUMNS, as the search vector's A, C and B

_NEW, _OLD = (", ".join(f"{row}.{column}" for column in COLUMNS) for row in ("new", "old"))
_DELETE = f"INSERT INTO {TABLE}({TABLE}, rowid, {', '.join(COLUMNS)}) VALUES ('delete', old.id, {_OLD});"
_INSERT = f"INSERT INTO {TABLE}(rowid, {', '.join(COLUMNS)}) VALUES (new.id, {_NEW});"
_SCHEMA = {
    TABLE: f"CREATE VIRTUAL TABLE {TABLE} USING fts5({', '.join(COLUMNS)}, content='openaccess_experiment', "
           "content_rowid='id', tokenize='porter unicode61 remove_diacritics 2')",
    f"{TABLE}_insert": f"CREATE TRIGGER {TABLE}_insert AFTER INSERT ON openaccess_experiment BEGIN {_INSERT} END",
    f"{TABLE}_delete": f"CREATE TRIGGER {TABLE}_delete AFTER DELETE ON openaccess_experiment BEGIN {_DELETE} END",
    f"{TABLE}_update": f"CREATE TRIGGER {TABLE}_update AFTER UPDATE OF {', '.join(COLUMNS)} "
                       f"ON openaccess_experiment BEGIN {_DELETE} {_INSERT} END",
}
_WORD = re.compile(r"\w")


def ensure_sqlite_index(connection):
    """Create what is missing of the FTS5 table and its triggers; rebuild the index if anything was."""
    if connection.vendor != "sqlite" or "openaccess_experiment" not in connection.introspection.table_names():
        return  # PostgreSQL, or the app's migrations were taken back
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM sqlite_master WHERE name IN (%s)" % ", ".join("%s" for _ in _SCHEMA),
                       list(_SCHEMA))
        present = {name for (name,) in cursor.fetchall()}
        missing = [sql for name, sql in _SCHEMA.items() if name not in present]
        for sql in missing:
            cursor.execute(sql)
        if missing:
            cursor.execute(f"INSERT INTO {TABLE}({TABLE}) VALUES ('rebuild')")


def drop_sqlite_index(connection):
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            for name in reversed(_SCHEMA):
                kind = "TABLE" if name == TABLE else "TRIGGER"
                cursor.execute(f"DROP {kind} IF EXISTS {name}")


def fts5_query(text):
    """User text as an FTS5 query that cannot fail: every word quoted (so `"`, `*`, `NEAR(`, AND,
    OR are words, not syntax), all of them required; words without a letter or digit dropped."""
    return " ".join('"' + word.replace('"', '""') + '"' for word in text.split() if _WORD.search(word))


def match(vendor, text):
    """(condition for experiments that match `text`, their relevance: higher is better)."""
    if vendor == "postgresql":
        query = SearchQuery(text, config="english", search_type="websearch")
        return Q(search_vector=query), SearchRank(F("search_vector"), query)
    query = fts5_query(text)
    if not query:
        return Q(pk__in=[]), RawSQL("0.0", [], output_field=FloatField())
    matched = RawSQL(f"SELECT rowid FROM {TABLE} WHERE {TABLE} MATCH %s", [query])
    # bm25 is lower for better matches; a row matched otherwise (a proposal number) has none
    rank = RawSQL(f"SELECT -bm25({TABLE}, {WEIGHTS}) FROM {TABLE} WHERE {TABLE} MATCH %s "
                  "AND rowid = openaccess_experiment.id", [query], output_field=FloatField())
    return Q(pk__in=matched), Coalesce(rank, 0.0, output_field=FloatField())
