"""Who may reach which files of a desktop. Owners and USER members (who must be able to read all
its data, as at the desktop) list, download and upload in the home folder and download from every
data mount; anyone else with a role (guests, support) downloads only from the mounts of data they
may read themselves, and sees nothing else. Checked again at every request and piece."""
from dataclasses import dataclass, field

from django.conf import settings

from instances.cloud.mounts import mounted_experiments
from instances.models import Instance, Role
from instances.sharing import access
from instances.sharing.roles import role_of
from instances.states import State
from openaccess.policy import can_read
from protocols.file_api import Refused, split


@dataclass
class FileAccess:
    instance: Instance
    role: str
    home: bool  # may list, download and upload in home/
    data: set = field(default_factory=set)  # the mounts (proposal ids) they may list and download from

    def check(self, parts, write=False):
        """Refused unless this visitor may reach the path (`parts`, as file_api.split makes them)."""
        if write and parts[:1] != ["home"]:
            raise Refused(403, "Files can be uploaded into the home folder only; the data is read-only.")
        if parts[:1] == ["home"] and not self.home:
            raise Refused(403, "Only the owner and the desktop's users may reach its home folder.")
        if parts[:1] == ["data"] and len(parts) > 1 and parts[1] not in self.data:
            raise Refused(404, f"There is no data/{parts[1]} here that you may read.")
        if parts[:1] not in ([], ["home"], ["data"]):
            raise Refused(404, "Paths start at home/ or data/.")


def upload_limit():
    return settings.VISA_FILES_UPLOAD_LIMIT_MB * 1024 * 1024


def grant(user, instance):
    """What the visitor may reach in the instance's files, whatever its state, or Refused."""
    role = role_of(instance, user)
    if role is None:
        raise Refused(404, "There is no desktop here whose files you may reach.")
    mounted = mounted_experiments(instance)
    if role in (Role.OWNER, Role.USER):
        if role == Role.USER:
            try:
                access.check_data(user, instance)
            except access.Refused as refusal:
                raise Refused(403, str(refusal)) from None
        return FileAccess(instance, role, True, {e.proposal_id for e in mounted})
    readable = {e.proposal_id for e in mounted if can_read(user, e)}
    if not readable:
        raise Refused(403, "This desktop's files are for its owner and users; others may download only "
                           "data they may read, and you may read none of the data here.")
    return FileAccess(instance, role, False, readable)


def may_use(user, instance):
    """Whether the instance page offers the visitor its Files panel."""
    try:
        return grant(user, instance) is not None
    except Refused:
        return False


def file_access(user, uuid, path, write=False):
    """(FileAccess, the path's parts) for a request about `path` of the desktop `uuid`, or Refused."""
    parts = split(path)
    instance = Instance.objects.select_related("owner").filter(uuid=uuid).exclude(state=State.DELETED).first()
    if instance is None:
        raise Refused(404, "There is no desktop here whose files you may reach.")
    allowed = grant(user, instance)
    if instance.state != State.ACTIVE:
        raise Refused(409, "The desktop is not running: its files can be reached once it runs.")
    allowed.check(parts, write)
    return allowed, parts
