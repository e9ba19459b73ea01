"""instances' models, in four modules: the clouds (`cloud`), the instance and its catalogue
(`instance`), sharing it (`sharing`), and the operators' rules for its networks and security groups
(`placement`). Import them from here, as Django does."""
from .cloud import Cloud
from .instance import Flavour, Image, Instance, InstanceEvent, LifetimeExtension, Thumbnail, new_vnc_secret
from .placement import PlacementRule
from .sharing import AccessRequest, BlockedUser, DesktopSession, InstanceMember, Role, ShareToken

__all__ = ["AccessRequest", "BlockedUser", "Cloud", "DesktopSession", "Flavour", "Image", "Instance", "InstanceEvent",
           "InstanceMember", "LifetimeExtension", "PlacementRule", "Role", "ShareToken", "Thumbnail", "new_vnc_secret"]
