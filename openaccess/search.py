"""Search over the experiments a user may read (anonymous visitors: open data): a DOI or a
proposal number finds its experiment, other text by full text (fulltext.py: PostgreSQL's search
vector, SQLite's FTS5); facets (facility, instrument, technique, year), sort, pages.
"""
import dataclasses
import json
from collections import Counter

from django.core.paginator import Paginator
from django.db import connection
from django.db.models import BooleanField, Count, Exists, ExpressionWrapper, OuterRef, Q, Value
from django.db.models.functions import ExtractYear

from . import dois, fulltext, policy
from .models import Dataset, ExperimentMember

PAGE_SIZE = 20
SORTED = {"relevance": ["-start_date"], "newest": ["-start_date"], "oldest": ["start_date"], "title": ["title"]}
SORTS = tuple(SORTED)


@dataclasses.dataclass
class Criteria:
    text: str = ""
    facility: str = ""
    instrument: str = ""
    technique: str = ""
    year: int | None = None
    access: str = ""  # "", "open" or "mine"
    sort: str = "relevance"
    page: int = 1

    @classmethod
    def from_query(cls, query):
        """Criteria from a query string; anything malformed is ignored rather than an error."""
        def text(name):
            return words(query.get(name, ""))

        def number(name, most):
            value = query.get(name, "")
            return int(value) if value.isdecimal() and len(value) < 10 and 0 < int(value) <= most else None

        return cls(
            text=text("q"),
            facility=text("facility"),
            instrument=text("instrument"),
            technique=text("technique"),
            year=number("year", 9999),
            access=query.get("access", "") if query.get("access") in ("open", "mine") else "",
            sort=query.get("sort", "relevance") if query.get("sort") in SORTS else "relevance",
            page=number("page", 10**9) or 1,
        )


def words(text):
    """Search text as the database may take it: PostgreSQL refuses NUL characters in a query."""
    return text.replace("\x00", "").strip()[:200]


def text_match(text):
    """(condition, condition for the experiment `text` names, relevance) of experiments matching
    `text`: the one a DOI (in any form portals link with) or a proposal number names, and for text
    that is no DOI, those whose words match. What someone who pastes either means, in search and
    in the launch page's picker alike."""
    try:
        doi = dois.normalise(text)
    except dois.MalformedDOI:
        named = Q(proposal_id=text)  # with the full-text condition, an OR of two indexes
        words_match, relevance = fulltext.match(connection.vendor, text)
        return named | words_match, named, relevance
    named = Q(pk__in=Dataset.objects.filter(doi=doi).values("experiment"))
    return named, named, Value(0.0)


def matching(user, criteria: Criteria):
    """What `user` may read that matches the access and text of `criteria`."""
    experiments = policy.readable(user)
    if criteria.access == "open":
        experiments = experiments.filter(policy.open_filter())
    elif criteria.access == "mine":  # an anonymous visitor's pk is None: a member of nothing
        experiments = experiments.filter(pk__in=ExperimentMember.objects.filter(user_id=user.pk).values("experiment"))
    if criteria.text:
        experiments = experiments.filter(text_match(criteria.text)[0])
    return experiments


def ranked(experiments, criteria: Criteria):
    """`experiments` in the order `criteria` asks for; by relevance, the one the text names first."""
    if criteria.sort == "relevance" and criteria.text:
        _, named, relevance = text_match(criteria.text)
        named = ExpressionWrapper(named, output_field=BooleanField())
        return experiments.annotate(named=named, relevance=relevance).order_by(
            "-named", "-relevance", "-start_date", "pk")
    return experiments.order_by(*SORTED[criteria.sort], "pk")


def search(user, criteria: Criteria):
    """(page of experiments, facet counts) for what `user` may read that matches `criteria`."""
    experiments = matching(user, criteria)
    facets = facet_counts(experiments)
    if criteria.facility:
        experiments = experiments.filter(facility=criteria.facility)
    if criteria.instrument:
        experiments = experiments.filter(instrument=criteria.instrument)
    if criteria.technique:  # a JSON list of names: match the quoted name, on both databases
        experiments = experiments.filter(techniques__icontains=json.dumps(criteria.technique))
    if criteria.year:
        experiments = experiments.filter(start_date__year=criteria.year)
    page = Paginator(ranked(experiments, criteria).prefetch_related("datasets"), PAGE_SIZE).get_page(criteria.page)
    return page, facets


def pick(user, text="", access="", most=8):
    """A launch page's experiment picker: (the first `most` experiments `user` may read that
    match `text` and `access`, the one it names first, newest first without text; how many
    match). Each experiment says whether the user is a member (`mine`)."""
    criteria = Criteria(text=words(text), access=access if access in ("open", "mine") else "")
    found = matching(user, criteria)
    mine = Exists(ExperimentMember.objects.filter(user=user, experiment=OuterRef("pk")))
    return list(ranked(found, criteria).annotate(mine=mine)[:most]), found.count()


def facet_counts(experiments, most=12):
    """The commonest values of each facet among `experiments` (years: the latest), before facet
    filters apply; facility, instrument and year from one grouped query."""
    counts = {"facility": Counter(), "instrument": Counter(), "year": Counter()}
    grouped = (experiments.order_by().annotate(year=ExtractYear("start_date"))
               .values_list("facility", "instrument", "year").annotate(n=Count("pk")))
    for facility, instrument, year, n in grouped:
        for name, value in (("facility", facility), ("instrument", instrument), ("year", year)):
            if value:
                counts[name][value] += n
    return {
        "facility": sorted(counts["facility"].items(), key=lambda item: (-item[1], item[0]))[:most],
        "instrument": sorted(counts["instrument"].items(), key=lambda item: (-item[1], item[0]))[:most],
        "technique": _techniques(experiments.order_by(), most),
        "year": sorted(counts["year"].items(), reverse=True)[:most],
    }


# Each element of the JSON list of techniques, as a table; rows whose value is no list count none.
_ELEMENTS = {
    "postgresql": "jsonb_array_elements_text(CASE WHEN jsonb_typeof(e.techniques) = 'array' "
                  "THEN e.techniques ELSE '[]' END) AS t(value)",
    "sqlite": "json_each(CASE WHEN json_type(e.techniques) = 'array' THEN e.techniques ELSE '[]' END) AS t",
}


def _techniques(experiments, most):
    """[(technique, count)] over the elements of each experiment's list of techniques, commonest first."""
    sql, params = experiments.values("techniques").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT t.value, COUNT(*) AS n FROM ({sql}) e CROSS JOIN {_ELEMENTS[connection.vendor]} "
                       "WHERE t.value <> '' GROUP BY t.value ORDER BY n DESC, t.value LIMIT %s", [*params, most])
        return [tuple(row) for row in cursor.fetchall()]
