"""Experiments and DOIs from catalogues: the PaNOSC Search API's Documents and DataCite JSON.

A parser turns one catalogue record into a Record, or raises BadRecord with the reason; save()
writes one Record whole (experiment and DOIs) or not at all, and a rerun updates, never duplicates.
"""
import dataclasses
import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from .dois import MalformedDOI, normalise
from .models import Dataset, Experiment


class BadRecord(ValueError):
    pass


@dataclasses.dataclass
class Record:
    proposal_id: str
    title: str
    start_date: datetime.date
    end_date: datetime.date
    dois: list
    fields: dict  # the rest of Experiment's fields, as the catalogue gives them


def _required(data, key, what):
    value = data.get(key)
    if value in (None, "", []):
        raise BadRecord(f"no {what} ({key})")
    return value


def _date(value, what):
    parsed = parse_datetime(value) if value and "T" in value else None
    day = parsed.date() if parsed else parse_date(value or "")
    if day is None:
        raise BadRecord(f"{what} “{value}” is not a date")
    return day


def _moment(value, what):
    """A datetime from an ISO date or date-time; a bare date means midnight, facility time."""
    parsed = parse_datetime(value or "")
    if parsed is None:
        parsed = datetime.datetime.combine(_date(value, what), datetime.time.min)
    return parsed if timezone.is_aware(parsed) else timezone.make_aware(parsed)


def _dois(values):
    try:
        return sorted({normalise(value) for value in values if value})
    except MalformedDOI as error:
        raise BadRecord(str(error)) from None


def _data_path(proposal_id, facility):
    return settings.VISA_DATA_PATH_TEMPLATE.format(proposal_id=proposal_id, facility=facility)


def from_panosc(document: dict) -> Record:
    """A PaNOSC Search API Document (with its Datasets) as one experiment."""
    proposal_id = str(_required(document, "pid", "persistent identifier"))
    datasets = document.get("datasets") or []
    instruments = [d["instrument"] for d in datasets if isinstance(d.get("instrument"), dict)]
    facility = next((i.get("facility") for i in instruments if i.get("facility")), "")
    released = document.get("releaseDate")
    release_date = _moment(released, "releaseDate") if released else None
    if release_date is None and document.get("isPublic"):
        release_date = timezone.now()  # public in the catalogue, with no date given
    return Record(
        proposal_id=proposal_id,
        title=_required(document, "title", "title"),
        start_date=_date(_required(document, "startDate", "start date"), "startDate"),
        end_date=_date(_required(document, "endDate", "end date"), "endDate"),
        dois=_dois([document.get("doi"), *(d.get("doi") for d in datasets)]),
        fields={
            "abstract": document.get("summary") or "",
            "facility": facility,
            "instrument": next((i.get("name") for i in instruments if i.get("name")), ""),
            "techniques": sorted({t["name"] for d in datasets for t in d.get("techniques") or [] if t.get("name")}),
            "keywords": list(document.get("keywords") or []),
            "licence": document.get("license") or "",
            "release_date": release_date,
            "data_path": _data_path(proposal_id, facility),
        },
    )


def from_datacite(record: dict) -> Record:
    """One DOI's DataCite JSON (as the DataCite REST API answers: data.attributes, or attributes)."""
    attributes = record.get("data", record).get("attributes", record)
    doi = _required(attributes, "doi", "DOI")
    dates = {d.get("dateType"): d.get("date", "") for d in attributes.get("dates") or []}
    collected = dates.get("Collected", "")
    if "/" not in collected:
        raise BadRecord("no collection period (a dates entry of type Collected, start/end)")
    start, end = collected.split("/", 1)
    proposal = next(
        (a.get("alternateIdentifier") for a in attributes.get("alternateIdentifiers") or []
         if (a.get("alternateIdentifierType") or "").lower() == "proposal"),
        None,
    )
    proposal_id = str(proposal or doi)
    facility = attributes.get("publisher") or ""
    if isinstance(facility, dict):
        facility = facility.get("name", "")
    titles = attributes.get("titles") or []
    return Record(
        proposal_id=proposal_id,
        title=titles[0].get("title") if titles else _required(attributes, "title", "title"),
        start_date=_date(start, "collection start"),
        end_date=_date(end, "collection end"),
        dois=_dois([doi]),
        fields={
            "abstract": next((d.get("description", "") for d in attributes.get("descriptions") or []
                              if d.get("descriptionType") == "Abstract"), ""),
            "facility": facility,
            "keywords": [s["subject"] for s in attributes.get("subjects") or [] if s.get("subject")],
            "licence": next((r.get("rights", "") for r in attributes.get("rightsList") or []), ""),
            "release_date": _moment(dates["Available"], "Available date") if dates.get("Available") else None,
            "data_path": _data_path(proposal_id, facility),
        },
    )


@transaction.atomic
def save(record: Record) -> Experiment:
    """Write one record whole or not at all; rerunning it updates the same rows."""
    experiment, _ = Experiment.objects.update_or_create(
        proposal_id=record.proposal_id,
        defaults={"title": record.title, "start_date": record.start_date, "end_date": record.end_date,
                  **record.fields},
    )
    for doi in record.dois:
        owner = Dataset.objects.filter(doi=doi).exclude(experiment=experiment).first()
        if owner is not None:
            raise BadRecord(f"DOI {doi} already belongs to proposal {owner.experiment.proposal_id}")
        Dataset.objects.update_or_create(doi=doi, defaults={"experiment": experiment, "title": record.title})
    return experiment
