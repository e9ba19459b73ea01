"""The secrets a VM holds: its VNC secret, its mount agent's token, its file token and its Jupyter
token, and their rotation.

An agent token is the instance's UUID and an HMAC of it and the token's generation under the
service's SECRET_KEY, so nothing secret is stored and every web process can check it. It is
derived, not stored hashed, because the user data it goes into can be rendered twice for one
server (a create that timed out in the cloud after it succeeded is found again, not rendered
anew), and both renderings must agree. Tokens made under a key in SECRET_KEY_FALLBACKS still
count, so the service key can be changed without cutting running VMs off.

Rotation (manage.py rotate_vm_secrets) goes through the agent, the only channel from visa into a
running VM: a new VNC secret waits in `vnc_secret_next`; the agent, polling with its token, is
answered it with the token of the next generation; it writes both and polls with the new token,
which makes them the instance's own. Until then the proxy and thumbnails try the old VNC secret
and then the new one, so no desktop breaks while the VM changes over.
"""
import uuid

from django.conf import settings
from django.db.models import F
from django.utils.crypto import constant_time_compare, salted_hmac

from instances.models import Instance, new_vnc_secret
from instances.states import LIVE

SALT = "instances.agent.token"
# The file token opens the VM's file API (protocols/file_api.py) to visa: made and rotated like the
# agent token, but another secret, so the VM's address answering visa never learns the agent token.
FILES_SALT = "instances.files.token"
# The Jupyter token: what JupyterLab in the VM asks for, made and rotated the same way.
JUPYTER_SALT = "instances.jupyter.token"


def token_of(instance, generation=None, key=None, salt=SALT):
    """The agent token of `instance` (its current generation unless told), under `key` or SECRET_KEY."""
    generation = instance.agent_generation if generation is None else generation
    digest = salted_hmac(salt, f"{instance.uuid}:{generation}", secret=key, algorithm="sha256").hexdigest()
    return f"{instance.uuid}.{digest}"


def files_token_of(instance, generation=None):
    return token_of(instance, generation, salt=FILES_SALT)


def jupyter_token(instance, generation=None):
    return token_of(instance, generation, salt=JUPYTER_SALT)


def _to_try(instance, salt):
    """The tokens of `salt` the VM may hold, most likely first: its generation's under each service
    key, then the next generation's while a rotation waits (the VM may have taken it already)."""
    generations = [instance.agent_generation] + ([instance.agent_generation + 1] if instance.vnc_secret_next else [])
    return [token_of(instance, generation, key, salt)
            for generation in generations for key in [settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS]]


def files_tokens(instance):
    return _to_try(instance, FILES_SALT)


def jupyter_tokens(instance):
    return _to_try(instance, JUPYTER_SALT)


def instance_of(token):
    """(instance, whether the token is of the rotation it waits for) that an agent token proves, or None."""
    claimed, _, _ = token.partition(".")
    try:
        claimed = uuid.UUID(claimed)
    except ValueError:
        return None
    instance = Instance.objects.select_related("owner").filter(uuid=claimed).first()
    if instance is None:
        return None
    if any(constant_time_compare(token, token_of(instance, key=key))
           for key in [settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS]):
        return instance, False
    if instance.vnc_secret_next and constant_time_compare(
            token, token_of(instance, instance.agent_generation + 1)):
        return instance, True
    return None


def rotation_for(instance):
    """What the agent of `instance` is to take: {"token", "files_token", "jupyter_token", "vnc_password"},
    or None when nothing waits."""
    if not instance.vnc_secret_next:
        return None
    return {"token": token_of(instance, instance.agent_generation + 1),
            "files_token": files_token_of(instance, instance.agent_generation + 1),
            "jupyter_token": jupyter_token(instance, instance.agent_generation + 1),
            "vnc_password": instance.vnc_secret_next}


def rotated(instance):
    """The agent has taken the waiting secrets (it asked with the new token): they are the instance's now."""
    Instance.objects.filter(pk=instance.pk, agent_generation=instance.agent_generation,
                            vnc_secret_next=instance.vnc_secret_next).exclude(vnc_secret_next="").update(
        vnc_secret=F("vnc_secret_next"), vnc_secret_next="", agent_generation=F("agent_generation") + 1)
    instance.refresh_from_db(fields=["vnc_secret", "vnc_secret_next", "agent_generation"])


def rotate(instances):
    """Give each live instance that waits for no rotation yet new secrets to take; how many were given."""
    count = 0
    for instance in instances.filter(state__in=LIVE, vnc_secret_next=""):
        count += Instance.objects.filter(pk=instance.pk, vnc_secret_next="").update(
            vnc_secret_next=new_vnc_secret())
    return count
