"""Nova (compute API v2.1): flavours and the project's limits."""
from . import catalogue
from .nova import API, fault, links, reply
from .web import Routes

routes = Routes()


def _flavour(request, flavour, detail):
    summary = {"id": flavour.id, "name": flavour.name, "links": links(request, "flavors", flavour.id)}
    if not detail:
        return summary
    return {
        **summary,
        "vcpus": flavour.vcpus,
        "ram": flavour.ram,
        "disk": flavour.disk,
        "swap": 0,
        "OS-FLV-EXT-DATA:ephemeral": 0,
        "rxtx_factor": 1.0,
        "os-flavor-access:is_public": True,
        "OS-FLV-DISABLED:disabled": False,
        "description": None,
        "extra_specs": {},
    }


@routes.add("GET", API + "/flavors(?P<detail>/detail)?")
def list_flavours(request, detail):
    return reply(request, 200, {"flavors": [_flavour(request, f, detail) for f in catalogue.FLAVOURS.values()]})


@routes.add("GET", API + "/flavors/(?P<flavor_id>[^/]+)")
def show_flavour(request, flavor_id):
    flavour = catalogue.flavour(flavor_id)
    if flavour is None:
        raise fault(404, "itemNotFound", f"Flavor {flavor_id} could not be found.")
    return reply(request, 200, {"flavor": _flavour(request, flavour, detail=True)})


@routes.add("GET", API + "/limits")
def limits(request):
    used, quota = request.app.cloud.usage(), request.app.cloud.quota
    absolute = {
        "maxTotalInstances": quota["instances"],
        "maxTotalCores": quota["cores"],
        "maxTotalRAMSize": quota["ram"],
        "maxServerMeta": 128,
        "maxImageMeta": 128,
        "maxTotalKeypairs": 100,
        "maxServerGroups": 10,
        "maxServerGroupMembers": 10,
        "totalInstancesUsed": used["instances"],
        "totalCoresUsed": used["cores"],
        "totalRAMUsed": used["ram"],
        "totalServerGroupsUsed": 0,
    }
    return reply(request, 200, {"limits": {"absolute": absolute, "rate": []}})
