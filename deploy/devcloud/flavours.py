"""Nova (compute API v2.1): flavours and the project's limits."""
from . import catalogue
from .nova import API, fault, links, microversion, version_headers
from .web import Reply, Routes

routes = Routes(headers=version_headers)


def _flavour(request, flavour, detail):
    version = microversion(request)
    summary = {"id": flavour.id, "name": flavour.name, "links": links(request, "flavors", flavour.id)}
    if version >= (2, 55):
        summary["description"] = None
    if not detail:
        return summary
    summary.update({
        "vcpus": flavour.vcpus,
        "ram": flavour.ram,
        "disk": flavour.disk,
        "swap": 0,
        "OS-FLV-EXT-DATA:ephemeral": 0,
        "rxtx_factor": 1.0,
        "os-flavor-access:is_public": True,
        "OS-FLV-DISABLED:disabled": False,
    })
    if version >= (2, 61):
        summary["extra_specs"] = {}
    return summary


@routes.add("GET", API + "/flavors(?P<detail>/detail)?")
def list_flavours(request, detail):
    return Reply(200, {"flavors": [_flavour(request, f, detail) for f in catalogue.FLAVOURS.values()]})


@routes.add("GET", API + "/flavors/(?P<flavor_id>[^/]+)")
def show_flavour(request, flavor_id):
    flavour = catalogue.flavour(flavor_id)
    if flavour is None:
        raise fault(404, "itemNotFound", f"Flavor {flavor_id} could not be found.")
    return Reply(200, {"flavor": _flavour(request, flavour, detail=True)})


# Limits that later microversions no longer report, with Nova's defaults: (until, name, value).
LEGACY_LIMITS = [
    ((2, 35), "maxSecurityGroups", 10),  # network limits went with nova-network (2.36)
    ((2, 35), "maxSecurityGroupRules", 20),
    ((2, 35), "maxTotalFloatingIps", 10),
    ((2, 35), "totalSecurityGroupsUsed", 0),
    ((2, 35), "totalFloatingIpsUsed", 0),
    ((2, 38), "maxImageMeta", 128),  # image proxies went at 2.39
    ((2, 56), "maxPersonality", 5),  # personality files went at 2.57
    ((2, 56), "maxPersonalitySize", 10240),
]


@routes.add("GET", API + "/limits")
def limits(request):
    used, quota = request.app.cloud.usage(), request.app.cloud.quota
    absolute = {
        "maxTotalInstances": quota["instances"],
        "maxTotalCores": quota["cores"],
        "maxTotalRAMSize": quota["ram"],
        "maxServerMeta": 128,
        "maxTotalKeypairs": 100,
        "maxServerGroups": 10,
        "maxServerGroupMembers": 10,
        "totalInstancesUsed": used["instances"],
        "totalCoresUsed": used["cores"],
        "totalRAMUsed": used["ram"],
        "totalServerGroupsUsed": 0,
    }
    version = microversion(request)
    absolute.update({name: value for until, name, value in LEGACY_LIMITS if version <= until})
    return Reply(200, {"limits": {"absolute": absolute, "rate": []}})
