"""DOIs as portals link them: bare, doi:-prefixed, as a doi.org URL, any case, URL-encoded."""
import re
from urllib.parse import unquote

from .models import Dataset

_PREFIXES = re.compile(r"^(?:doi:|https?:/+(?:dx\.)?doi\.org/)", re.IGNORECASE)
_DOI = re.compile(r"^10\.\d{4,9}/[^\s\x00-\x1f\x7f]+$")  # no spaces or control characters


class MalformedDOI(ValueError):
    pass


class UnknownDOI(LookupError):
    pass


def normalise(raw: str) -> str:
    doi = _PREFIXES.sub("", unquote(raw).strip())
    if not _DOI.match(doi):
        raise MalformedDOI(f"“{raw}” is not a DOI. A DOI looks like 10.22003/XFEL.EU-DATA-700000-00.")
    return doi.lower()


def find_dataset(raw):
    """The dataset (with its experiment) behind a DOI in any form portals link with. Raises
    MalformedDOI or UnknownDOI, each with a message a person can read."""
    doi = normalise(raw)
    dataset = Dataset.objects.select_related("experiment").filter(doi=doi).first()
    if dataset is None:
        raise UnknownDOI(f"No dataset with the DOI {doi} is registered here.")
    return dataset
