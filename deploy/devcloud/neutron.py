"""Neutron (network API v2.0): what openstacksdk needs to place servers: networks and their
subnets (the catalogue's, read only), security groups and their rules (the catalogue's, and those
created through the API, kept in a state file of their own), and ports (one per server and
network, as Nova makes them). Names that do not exist are refused as Neutron and Nova refuse them.
"""
import ipaddress
import json
import os
import threading
import uuid
from pathlib import Path

from . import catalogue
from .web import HttpError, Reply, Routes

routes = Routes()

API = r"/network/v2\.0"
DEFAULT_NETWORK, DEFAULT_GROUP = "devcloud-net", "default"
CREATED = "2024-04-25T00:00:00Z"
RULE_FIELDS = ("direction", "ethertype", "protocol", "port_range_min", "port_range_max", "remote_ip_prefix",
               "remote_group_id", "description")
NETWORKS = catalogue.CATALOGUE["networks"]


def not_found(kind, name):
    return HttpError(404, {"NeutronError": {"type": f"{kind}NotFound", "message": f"{kind} {name} could not be found.",
                                            "detail": ""}})


def bad_request(message):
    return HttpError(400, {"NeutronError": {"type": "HTTPBadRequest", "message": message, "detail": ""}})


def _stable_id(kind, *names):
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "devcloud:" + ":".join((kind, *names))))


def network(name_or_id):
    """The catalogue's network with this name or id, or None."""
    return next((n for n in NETWORKS.values() if name_or_id in (n["id"], n["name"])), None)


def address_on(net, server, first):
    """The server's address on a network: its own loopback address (where its desktop listens) on
    its first network, a stable one in the subnet on the others."""
    if first:
        return server.address
    subnet = ipaddress.ip_network(net["cidr"])
    return str(subnet[10 + uuid.UUID(server.id).int % (subnet.num_addresses - 20)])


def mac_of(address):
    return "fa:16:3e:" + ":".join("%02x" % (int(x) % 256) for x in address.split(".")[1:])


def addresses(server, detail=True):
    """Nova's `addresses` of a server: its fixed IPv4 address on each of its networks, in order;
    in a server's detail with the OS-EXT-IPS keys, in GET /servers/{id}/ips without them (Nova's
    basic view)."""
    found = {}
    for number, name in enumerate(server.networks):
        address = address_on(network(name), server, number == 0)
        found[name] = [{"addr": address, "version": 4}]
        if detail:
            found[name][0].update({"OS-EXT-IPS:type": "fixed", "OS-EXT-IPS-MAC:mac_addr": mac_of(address)})
    return found


class Network:
    """The security groups, with those clients created saved in `state_path`."""

    def __init__(self, state_path):
        self._path = Path(state_path)
        self._lock = threading.Lock()
        groups = {}
        for group in catalogue.CATALOGUE["security_groups"].values():
            rules = [self._rule(group["id"], number, **self._reference(rule))
                     for number, rule in enumerate(group["rules"])]
            groups[group["id"]] = {"id": group["id"], "name": group["name"], "description": group["description"],
                                   "rules": rules}
        if self._path.exists():
            groups.update(json.loads(self._path.read_text()))
        self._groups = groups

    @staticmethod
    def _reference(rule):
        """A catalogue rule, its remote group named by id."""
        rule = dict(rule)
        if "remote_group" in rule:
            rule["remote_group_id"] = catalogue.CATALOGUE["security_groups"][rule.pop("remote_group")]["id"]
        return rule

    @staticmethod
    def _rule(group_id, number, **fields):
        return {"id": _stable_id("rule", group_id, str(number)), "security_group_id": group_id,
                **{name: fields.get(name) for name in RULE_FIELDS}}

    def groups(self):
        with self._lock:
            return list(self._groups.values())

    def group(self, name_or_id):
        """The security group with this id, else the one with this name; None if none or several."""
        with self._lock:
            if name_or_id in self._groups:
                return self._groups[name_or_id]
            named = [g for g in self._groups.values() if g["name"] == name_or_id]
            return named[0] if len(named) == 1 else None

    def create_group(self, name, description):
        group = {"id": str(uuid.uuid4()), "name": name, "description": description, "rules": []}
        group["rules"] = [self._rule(group["id"], 0, direction="egress", ethertype="IPv4"),
                          self._rule(group["id"], 1, direction="egress", ethertype="IPv6")]
        with self._lock:
            self._groups[group["id"]] = group
            self._save()
        return group

    def delete_group(self, group_id):
        with self._lock:
            if self._groups.pop(group_id, None) is None:
                raise not_found("SecurityGroup", group_id)
            self._save()

    def add_rule(self, group_id, fields):
        with self._lock:
            group = self._groups.get(group_id)
            if group is None:
                raise not_found("SecurityGroup", group_id)
            rule = {**self._rule(group_id, 0, **fields), "id": str(uuid.uuid4())}
            group["rules"].append(rule)
            self._save()
        return rule

    def rules(self):
        return [rule for group in self.groups() for rule in group["rules"]]

    def delete_rule(self, rule_id):
        with self._lock:
            for group in self._groups.values():
                kept = [rule for rule in group["rules"] if rule["id"] != rule_id]
                if len(kept) < len(group["rules"]):
                    group["rules"] = kept
                    self._save()
                    return
        raise not_found("SecurityGroupRule", rule_id)

    def _save(self):
        """Only the groups made through the API: the catalogue's come from the catalogue."""
        fixed = {g["id"] for g in catalogue.CATALOGUE["security_groups"].values()}
        made = {id: g for id, g in self._groups.items() if id not in fixed}
        self._path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self._path.with_suffix(".tmp")
        temporary.write_text(json.dumps(made, indent=1))
        os.replace(temporary, self._path)

    def placement(self, networks, security_groups):
        """Nova's check of a server create: the networks (by id) and security groups (by name or
        id) it asks for, as names; HttpError 400 for one that does not exist, as Nova answers."""
        names = []
        for wanted in networks:
            net = network(wanted)
            if net is None or wanted != net["id"]:  # Nova takes networks by uuid only
                raise nova_bad_request(f"Network {wanted} could not be found.")
            names.append(net["name"])
        groups = []
        for wanted in security_groups:
            group = self.group(wanted)
            if group is None:
                raise nova_bad_request(f"Security group {wanted} not found.")
            groups.append(group["name"])
        return list(dict.fromkeys(names)), list(dict.fromkeys(groups))


def nova_bad_request(message):
    return HttpError(400, {"badRequest": {"code": 400, "message": message}})


def _owned(request, item):
    project = request.app.identity.project_id
    return {**item, "tenant_id": project, "project_id": project, "created_at": CREATED, "updated_at": CREATED,
            "revision_number": 1, "tags": []}


def _network(request, net):
    return _owned(request, {
        "id": net["id"], "name": net["name"], "description": net["description"], "status": "ACTIVE",
        "subnets": [_stable_id("subnet", net["id"])], "admin_state_up": True, "shared": False, "mtu": 1450,
        "router:external": False, "port_security_enabled": True, "is_default": net["name"] == DEFAULT_NETWORK,
        "availability_zones": ["nova"], "ipv4_address_scope": None, "ipv6_address_scope": None,
    })


def _subnet(request, net):
    cidr = ipaddress.ip_network(net["cidr"])
    return _owned(request, {
        "id": _stable_id("subnet", net["id"]), "name": f"{net['name']}-subnet", "network_id": net["id"],
        "cidr": net["cidr"], "ip_version": 4, "gateway_ip": str(cidr[1]), "enable_dhcp": True,
        "allocation_pools": [{"start": str(cidr[2]), "end": str(cidr[-2])}], "dns_nameservers": [],
        "host_routes": [], "description": "",
    })


def _group(request, group):
    return _owned(request, {
        "id": group["id"], "name": group["name"], "description": group["description"], "stateful": True,
        "security_group_rules": [_owned(request, rule) for rule in group["rules"]],
    })


def _ports(request):
    """A port per server and network, as Nova's create made them."""
    network_api = request.app.network
    ports = []
    for server in request.app.cloud.servers():
        groups = [network_api.group(name) for name in server.security_groups]
        for number, name in enumerate(server.networks):
            net = network(name)
            address = address_on(net, server, number == 0)
            ports.append(_owned(request, {
                "id": _stable_id("port", server.id, net["id"]), "name": "", "network_id": net["id"],
                "device_id": server.id, "device_owner": "compute:nova", "mac_address": mac_of(address),
                "fixed_ips": [{"subnet_id": _stable_id("subnet", net["id"]), "ip_address": address}],
                "security_groups": [g["id"] for g in groups if g], "status": "ACTIVE", "admin_state_up": True,
                "description": "",
            }))
    return ports


def _filtered(request, items):
    """Neutron's list filters: any field given as a query parameter (e.g. ?name=, ?device_id=)."""
    for name, values in request.query.items():
        if name not in ("fields", "limit", "marker", "sort_key", "sort_dir"):
            items = [item for item in items if str(item.get(name)) in values]
    return items


def _one(items, item_id, kind):
    found = next((item for item in items if item["id"] == item_id), None)
    if found is None:
        raise not_found(kind, item_id)
    return found


def _body(request, kind):
    body = request.json()
    spec = body.get(kind) if isinstance(body, dict) else None
    if not isinstance(spec, dict):
        raise bad_request(f"Resource body required: {kind}.")
    return spec


@routes.add("GET", "/network/?", public=True)
def versions(request):
    link = {"rel": "self", "href": f"{request.base_url}/network/v2.0/"}
    return Reply(200, {"versions": [{"id": "v2.0", "status": "CURRENT", "links": [link]}]})


@routes.add("GET", API + "/?")
def resources(request):
    names = ("networks", "subnets", "ports", "security-groups", "security-group-rules")
    return Reply(200, {"resources": [{"name": n, "collection": n, "links": []} for n in names]})


@routes.add("GET", API + "/networks")
def list_networks(request):
    return Reply(200, {"networks": _filtered(request, [_network(request, n) for n in NETWORKS.values()])})


@routes.add("GET", API + "/networks/(?P<item_id>[^/]+)")
def show_network(request, item_id):
    return Reply(200, {"network": _one([_network(request, n) for n in NETWORKS.values()], item_id, "Network")})


@routes.add("GET", API + "/subnets")
def list_subnets(request):
    return Reply(200, {"subnets": _filtered(request, [_subnet(request, n) for n in NETWORKS.values()])})


@routes.add("GET", API + "/subnets/(?P<item_id>[^/]+)")
def show_subnet(request, item_id):
    return Reply(200, {"subnet": _one([_subnet(request, n) for n in NETWORKS.values()], item_id, "Subnet")})


@routes.add("GET", API + "/ports")
def list_ports(request):
    return Reply(200, {"ports": _filtered(request, _ports(request))})


@routes.add("GET", API + "/ports/(?P<item_id>[^/]+)")
def show_port(request, item_id):
    return Reply(200, {"port": _one(_ports(request), item_id, "Port")})


@routes.add("GET", API + "/security-groups")
def list_groups(request):
    groups = [_group(request, g) for g in request.app.network.groups()]
    return Reply(200, {"security_groups": _filtered(request, groups)})


@routes.add("POST", API + "/security-groups")
def create_group(request):
    spec = _body(request, "security_group")
    name, description = spec.get("name"), spec.get("description") or ""
    if not isinstance(name, str) or not name.strip() or len(name) > 255 or not isinstance(description, str):
        raise bad_request("Invalid input for name or description.")
    if name == DEFAULT_GROUP:
        raise HttpError(409, {"NeutronError": {"type": "SecurityGroupDefaultAlreadyExists",
                                               "message": "Default security group already exists.", "detail": ""}})
    return Reply(201, {"security_group": _group(request, request.app.network.create_group(name, description[:255]))})


@routes.add("GET", API + "/security-groups/(?P<item_id>[^/]+)")
def show_group(request, item_id):
    group = next((g for g in request.app.network.groups() if g["id"] == item_id), None)
    if group is None:
        raise not_found("SecurityGroup", item_id)
    return Reply(200, {"security_group": _group(request, group)})


@routes.add("DELETE", API + "/security-groups/(?P<item_id>[^/]+)")
def delete_group(request, item_id):
    if any(item_id in p["security_groups"] for p in _ports(request)):
        raise HttpError(409, {"NeutronError": {"type": "SecurityGroupInUse", "detail": "",
                                               "message": f"Security Group {item_id} in use."}})
    request.app.network.delete_group(item_id)
    return Reply(204)


@routes.add("GET", API + "/security-group-rules")
def list_rules(request):
    return Reply(200, {"security_group_rules": _filtered(request, [_owned(request, r)
                                                                   for r in request.app.network.rules()])})


@routes.add("POST", API + "/security-group-rules")
def create_rule(request):
    spec = _body(request, "security_group_rule")
    if spec.get("direction") not in ("ingress", "egress") or spec.get("ethertype", "IPv4") not in ("IPv4", "IPv6"):
        raise bad_request("direction must be ingress or egress, ethertype IPv4 or IPv6.")
    fields = {name: spec.get(name) for name in RULE_FIELDS}
    fields["ethertype"] = fields["ethertype"] or "IPv4"
    rule = request.app.network.add_rule(str(spec.get("security_group_id")), fields)
    return Reply(201, {"security_group_rule": _owned(request, rule)})


@routes.add("GET", API + "/security-group-rules/(?P<item_id>[^/]+)")
def show_rule(request, item_id):
    return Reply(200, {"security_group_rule": _owned(request, _one(request.app.network.rules(), item_id,
                                                                    "SecurityGroupRule"))})


@routes.add("DELETE", API + "/security-group-rules/(?P<item_id>[^/]+)")
def delete_rule(request, item_id):
    request.app.network.delete_rule(item_id)
    return Reply(204)
