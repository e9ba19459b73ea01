"""dCache's WebDAV door: macaroons, bearer tokens that dCache itself scopes to one path and to
the activities asked for, so a VM can read exactly its experiments' data and nothing else."""
import datetime

import requests
from django.conf import settings

READ_ONLY = "activity:DOWNLOAD,LIST"


class DataMountError(Exception):
    pass


def url_of(path):
    return settings.VISA_DCACHE_WEBDAV_URL.rstrip("/") + path


def request_macaroon(path, until):
    """A read-only macaroon for `path`, valid until `until` (the instance's expiry)."""
    seconds = max(60, int((until - datetime.datetime.now(datetime.UTC)).total_seconds()))
    try:
        answer = requests.post(
            url_of(path),
            json={"caveats": [READ_ONLY], "validity": f"PT{seconds}S"},
            headers={"Content-Type": "application/macaroon-request"},
            auth=(settings.VISA_DCACHE_USERNAME, settings.VISA_DCACHE_PASSWORD),
            timeout=settings.VISA_CLOUD_TIMEOUT,
        )
        answer.raise_for_status()
        return answer.json()["macaroon"]
    except (requests.RequestException, ValueError, KeyError) as error:
        raise DataMountError(f"dCache did not give access to {path}: {error}") from None
