"""Which networks and security groups a new VM gets: the operators' PlacementRules (Django admin)
applied to what is known at launch: the owner's groups and role, the attached experiments'
facility, instrument and openness, the environment, the size and the cloud.

Rules are taken by priority, lowest first (then by name). Every enabled rule whose conditions all
hold adds its networks and security groups, each name once, in the order met; a matching rule
marked "last" ends the search. When no rule matches, VISA_DEFAULT_NETWORKS and
VISA_DEFAULT_SECURITY_GROUPS apply; empty, the cloud's own defaults (the project's network and
its "default" group). The first network is where visa reaches the desktop."""
from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings

from instances.models import PlacementRule
from openaccess.policy import is_open


@dataclass
class Placement:
    networks: list = field(default_factory=list)
    security_groups: list = field(default_factory=list)
    reasons: list = field(default_factory=list)  # one sentence per rule applied, or why none was

    def add(self, networks, security_groups, reason):
        self.networks += [name for name in networks if name not in self.networks]
        self.security_groups += [name for name in security_groups if name not in self.security_groups]
        self.reasons.append(reason)


def _links(field):
    """{enabled rule's id: ids of the `field` it names}, in one query (Django's prefetch builds a
    queryset per rule: ten times slower at 200 rules)."""
    through = getattr(PlacementRule, field).through
    pairs = through.objects.filter(placementrule__enabled=True).values_list("placementrule_id", f"{field[:-1]}_id")
    found = defaultdict(set)
    for rule_id, linked in pairs:
        found[rule_id].add(linked)
    return found


def _why(rule, launch, links):
    """What of the launch met the rule's conditions, as a list of phrases; None if one failed."""
    owner, experiments, image, flavour, owner_groups = launch
    met = []
    if rule.role:
        if owner.is_staff != (rule.role == PlacementRule.Role.STAFF):
            return None
        met.append("the owner is staff" if owner.is_staff else "the owner is not staff")
    groups = links["groups"].get(rule.pk)
    if groups:
        shared = sorted(name for pk, name in owner_groups.items() if pk in groups)
        if not shared:
            return None
        met.append(f"the owner is in {', '.join(shared)}")
    for attribute in ("facility", "instrument"):
        wanted = getattr(rule, attribute)
        if wanted:
            if not any(getattr(e, attribute).casefold() == wanted.casefold() for e in experiments):
                return None
            met.append(f"the data is of {attribute} {wanted}")
    if rule.data:
        opened = [is_open(e) for e in experiments]
        holds = {"open": bool(opened) and all(opened), "closed": not all(opened), "none": not experiments}
        if not holds[rule.data]:
            return None
        met.append({"open": "the data is all open", "closed": "some data is not open",
                    "none": "no data is attached"}[rule.data])
    where = image.provider if image is not None else None
    for chosen, linked, what in ((image, "images", "environment"), (flavour, "flavours", "size"),
                                 (where, "clouds", "cloud")):
        allowed = links[linked].get(rule.pk)
        if allowed:
            if chosen is None or chosen.pk not in allowed:
                return None
            met.append(f"the {what} is {chosen.name}")
    return met or ["it applies to every launch"]


def choose(owner, experiments, image, flavour):
    """The Placement of a launch with these choices (six queries, whatever the number of rules)."""
    placement = Placement()
    links = {name: _links(name) for name in ("groups", "images", "flavours", "clouds")}
    launch = (owner, experiments, image, flavour, dict(owner.groups.values_list("pk", "name")))
    for rule in PlacementRule.objects.filter(enabled=True):
        met = _why(rule, launch, links)
        if met is None:
            continue
        placement.add(rule.network_names, rule.security_group_names, f"{rule.name}: {'; '.join(met)}.")
        if rule.last:
            break
    if not placement.reasons:
        defaults = settings.VISA_DEFAULT_NETWORKS or settings.VISA_DEFAULT_SECURITY_GROUPS
        placement.add(settings.VISA_DEFAULT_NETWORKS, settings.VISA_DEFAULT_SECURITY_GROUPS,
                      "No rule matched: the site's defaults." if defaults else
                      "No rule matched: the cloud's defaults.")
    return placement
