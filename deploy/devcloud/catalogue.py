"""What devcloud offers: its images, flavours and quota.

The ids are fixed (catalogue.json) so that the demo's seed and tests can name them, e.g.
`IMAGES["ubuntu-desktop"].id` or `FLAVOURS["m1.small"].id`.
"""
import json
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Image:
    id: str
    name: str
    os_distro: str
    os_version: str
    min_disk: int  # GB
    size: int  # bytes


@dataclass(frozen=True)
class Flavour:
    id: str
    name: str
    vcpus: int
    ram: int  # MB
    disk: int  # GB


# The data is a file, so that the demo's seed (a visa command, which imports nothing from here)
# registers the same images and sizes.
CATALOGUE = json.loads((Path(__file__).parent / "catalogue.json").read_text())
IMAGES = {key: Image(**image) for key, image in CATALOGUE["images"].items()}
FLAVOURS = {key: Flavour(**flavour) for key, flavour in CATALOGUE["flavours"].items()}


def quota(instances):
    """The project's absolute compute limits, as Nova's /limits reports them: room for
    `instances` servers of up to 4 vCPUs and 8 GB each."""
    return {"instances": instances, "cores": 4 * instances, "ram": 8192 * instances}


QUOTA = quota(10)  # the default


def image(image_id):
    """The image with this id, or None."""
    return next((i for i in IMAGES.values() if i.id == image_id), None)


def flavour(flavour_id):
    """The flavour with this id, or None."""
    return next((f for f in FLAVOURS.values() if f.id == flavour_id), None)
