"""Which data an instance mounts, where, and how: the one answer for the user data at boot and
for the mount agent while it runs. Only what the owner may read now is mounted, read-only."""
from django.conf import settings

from openaccess.policy import can_read

from . import dcache

READ_ONLY_NFS_OPTIONS = "ro,nfsvers=4.1,nosuid,nodev,noexec,_netdev"


def mount_point(experiment):
    return f"{settings.VISA_DATA_MOUNT_ROOT}/{experiment.proposal_id}"


def mounted_experiments(instance):
    """The attached experiments that the owner may read now: data whose embargo came back, or
    whose membership ended, is not mounted (again)."""
    return [e for e in instance.experiments.order_by("proposal_id") if can_read(instance.owner, e)]


def data_mounts(instance):
    """(dCache path, mount point) for each experiment the instance mounts."""
    return [(experiment.data_path, mount_point(experiment)) for experiment in mounted_experiments(instance)]


def how_to_mount(instance, mounts):
    """For each (path, point): what a VM needs to mount it read-only by the facility's method, NFS
    (source, options) or WebDAV (url and a macaroon for that path alone, expiring with the
    instance: DataMountError if the door refuses)."""
    if settings.VISA_DATA_MOUNT_METHOD == "webdav":
        return [{"path": path, "point": point, "type": "webdav", "url": dcache.url_of(path),
                 "bearer_token": dcache.request_macaroon(path, instance.expires_at)} for path, point in mounts]
    return [{"path": path, "point": point, "type": "nfs4", "source": f"{settings.VISA_DCACHE_NFS_SERVER}:{path}",
             "options": READ_ONLY_NFS_OPTIONS} for path, point in mounts]
