"""instances' models, in three modules: the clouds (`cloud`), the instance and its catalogue (`instance`), and
sharing it (`sharing`). Import them from here, as Django does."""
from .cloud import Cloud
from .instance import Flavour, Image, Instance, InstanceEvent, LifetimeExtension, Thumbnail, new_vnc_secret
from .sharing import AccessRequest, BlockedUser, DesktopSession, InstanceMember, Role, ShareToken

__all__ = ["AccessRequest", "BlockedUser", "Cloud", "DesktopSession", "Flavour", "Image", "Instance", "InstanceEvent",
           "InstanceMember", "LifetimeExtension", "Role", "ShareToken", "Thumbnail", "new_vnc_secret"]
