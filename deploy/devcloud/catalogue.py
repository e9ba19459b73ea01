"""What devcloud offers: its images, flavours and quota.

The ids are fixed so that seed scripts and tests can name them, e.g.
`IMAGES["ubuntu-desktop"].id` or `FLAVOURS["m1.small"].id`.
"""
from dataclasses import dataclass


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


IMAGES = {
    "ubuntu-desktop": Image(
        "6f0c6f2a-1d1e-4a7e-9d5b-2b6a0d9e0001", "Ubuntu 24.04 Desktop", "ubuntu", "24.04", 20, 6_442_450_944
    ),
    "almalinux-desktop": Image(
        "6f0c6f2a-1d1e-4a7e-9d5b-2b6a0d9e0002", "AlmaLinux 9 Desktop", "almalinux", "9", 20, 5_368_709_120
    ),
}

FLAVOURS = {
    "m1.small": Flavour("f1a0c0de-0000-4000-8000-000000000001", "m1.small", 2, 4096, 20),
    "m1.medium": Flavour("f1a0c0de-0000-4000-8000-000000000002", "m1.medium", 4, 8192, 40),
    "m1.large": Flavour("f1a0c0de-0000-4000-8000-000000000003", "m1.large", 8, 16384, 80),
}



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
