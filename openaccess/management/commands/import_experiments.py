"""Import experiments and DOIs from a PaNOSC Search API answer or DataCite JSON (URL or file)."""
import json
import urllib.request
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from openaccess import importers


def load(source):
    try:
        if source.startswith(("http://", "https://")):
            with urllib.request.urlopen(source, timeout=60) as answer:
                return json.load(answer)
        return json.loads(Path(source).read_text())
    except (OSError, ValueError) as error:
        raise CommandError(f"Could not read {source}: {error}") from None


def records_of(data, kind):
    """(parser, raw records): PaNOSC Documents come as a list, DataCite as one object or a list."""
    if kind == "auto":
        sample = data[0] if isinstance(data, list) and data else data
        kind = "datacite" if isinstance(sample, dict) and ("attributes" in sample or "data" in sample) else "panosc"
    parser = importers.from_datacite if kind == "datacite" else importers.from_panosc
    if isinstance(data, dict):
        data = data.get("data") if kind == "datacite" and isinstance(data.get("data"), list) else [data]
    return parser, data


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument("source", help="a URL or a file of JSON")
        parser.add_argument("--format", choices=["auto", "panosc", "datacite"], default="auto")

    def handle(self, source, format, **options):
        parser, raw_records = records_of(load(source), format)
        imported, bad = 0, []
        for number, raw in enumerate(raw_records, 1):
            label = f"record {number}"
            if isinstance(raw, dict):
                label = raw.get("pid") or raw.get("id") or label
            try:
                if not isinstance(raw, dict):
                    raise importers.BadRecord("not a JSON object")
                importers.save(parser(raw))
                imported += 1
            except importers.BadRecord as error:
                bad.append(f"{label}: {error}")
            self.progress(number, len(raw_records))
        for line in bad:
            self.stderr.write(f"skipped {line}")
        self.stdout.write(f"{imported} imported, {len(bad)} skipped.")

    def progress(self, done, total, width=30):
        """A progress bar on a terminal; nothing in logs."""
        if self.stderr.isatty():
            filled = width * done // total
            self.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total}", ending="")
            if done == total:
                self.stderr.write("")
