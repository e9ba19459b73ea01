"""cloud-init user data for an instance: its data mounts (read-only), owner and VNC secret."""
import yaml
from django.conf import settings

from openaccess.policy import can_read

VNC_PASSWORD_PATH = "/etc/visa/vnc-password"
READ_ONLY_NFS_OPTIONS = "ro,nfsvers=4.1,nosuid,nodev,noexec,_netdev"


def data_mounts(instance):
    """(dCache path, mount point) for each attached experiment that the owner may read now: data
    whose embargo came back, or whose membership ended, is not mounted again."""
    return [
        (experiment.data_path, f"{settings.VISA_DATA_MOUNT_ROOT}/{experiment.proposal_id}")
        for experiment in instance.experiments.order_by("proposal_id")
        if can_read(instance.owner, experiment)
    ]


def render(instance) -> str:
    config = {
        "users": ["default", {"name": instance.owner.username, "shell": "/bin/bash"}],
        "mounts": [
            [f"{settings.VISA_DCACHE_NFS_SERVER}:{path}", point, "nfs4", READ_ONLY_NFS_OPTIONS, "0", "0"]
            for path, point in data_mounts(instance)
        ],
        "write_files": [
            {
                "path": VNC_PASSWORD_PATH,
                "content": instance.vnc_secret,
                "permissions": "0600",
                "owner": "root:root",
            }
        ],
    }
    return "#cloud-config\n" + yaml.safe_dump(config, sort_keys=False)
