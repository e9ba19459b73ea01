"""Search over the experiments a user may read: full text, facets, sort, pages.

PostgreSQL answers full-text queries from the GIN-indexed search vector; SQLite (the demo) falls
back to matching every word in the title, abstract or keywords.
"""
import dataclasses
import json

from django.contrib.postgres.search import SearchQuery, SearchRank
from django.core.paginator import Paginator
from django.db import connection
from django.db.models import Count, Exists, F, OuterRef, Q
from django.db.models.functions import ExtractYear

from . import policy
from .models import ExperimentMember

PAGE_SIZE = 20
SORTS = ("relevance", "newest", "oldest", "title")


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


def full_text_match(experiments, text):
    """PostgreSQL: web-search syntax over the indexed vector, ranked."""
    query = SearchQuery(text, config="english", search_type="websearch")
    return experiments.filter(search_vector=query).annotate(relevance=SearchRank(F("search_vector"), query))


def word_match(experiments, text):
    """Any database: every word somewhere in the title, abstract or keywords."""
    for word in text.split():
        experiments = experiments.filter(
            Q(title__icontains=word) | Q(abstract__icontains=word) | Q(keywords__icontains=word)
        )
    return experiments


def matching(user, criteria: Criteria):
    """What `user` may read that matches the access and text of `criteria`."""
    experiments = policy.readable(user)
    if criteria.access == "open":
        experiments = experiments.filter(policy.open_filter())
    elif criteria.access == "mine":
        experiments = experiments.filter(pk__in=ExperimentMember.objects.filter(user=user).values("experiment"))
    if criteria.text:
        match = full_text_match if connection.vendor == "postgresql" else word_match
        experiments = match(experiments, criteria.text)
    return experiments


def ordering(criteria: Criteria):
    return {
        "relevance": ["-relevance", "-start_date"] if criteria.text and connection.vendor == "postgresql"
        else ["-start_date"],
        "newest": ["-start_date"], "oldest": ["start_date"], "title": ["title"],
    }[criteria.sort] + ["pk"]


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
    experiments = experiments.order_by(*ordering(criteria)).prefetch_related("datasets")
    page = Paginator(experiments, PAGE_SIZE).get_page(criteria.page)
    return page, facets


def pick(user, text="", access="", most=8):
    """A launch page's experiment picker: (the first `most` experiments `user` may read that
    match `text` and `access`, newest first without text, how many match). A proposal number
    finds its experiment too; each experiment says whether the user is a member (`mine`)."""
    criteria = Criteria(text=words(text), access=access if access in ("open", "mine") else "")
    mine = Exists(ExperimentMember.objects.filter(user=user, experiment=OuterRef("pk")))
    found = matching(user, criteria).annotate(mine=mine).order_by(*ordering(criteria))
    proposal = (matching(user, Criteria(access=criteria.access)).annotate(mine=mine)
                .filter(proposal_id=criteria.text).exclude(pk__in=found.values("pk")) if criteria.text else [])
    experiments = [*proposal, *found[:most]][:most]
    return experiments, len(proposal) + found.count()


def facet_counts(experiments, most=12):
    """The commonest values of each facet among `experiments`, before facet filters apply."""
    plain = experiments.order_by()
    return {
        "facility": _counted(plain.exclude(facility="").values_list("facility"), "-n", most),
        "instrument": _counted(plain.exclude(instrument="").values_list("instrument"), "-n", most),
        "year": _counted(plain.annotate(y=ExtractYear("start_date")).values_list("y"), "-y", most),
    }


def _counted(values, order, most):
    """[(value, count)] of a one-column values_list, in `order`, the first `most`."""
    return list(values.annotate(n=Count("pk")).order_by(order)[:most])
