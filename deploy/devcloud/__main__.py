"""Start devcloud: `python -m deploy.devcloud [options]`; every option can also come from DEVCLOUD_<OPTION>."""
import argparse
import logging
import os
import signal
import sys
from pathlib import Path

from . import catalogue, dcache, faults, flavours, glance, introspection, keystone, neutron, nova, recording, xvnc
from .cloud import Cloud
from .vncserver import BuiltinDesktops
from .web import App, Server


def options(argv):
    parser = argparse.ArgumentParser(prog="python -m deploy.devcloud", description=__doc__)

    def option(name, default, help, **kwargs):
        variable = "DEVCLOUD_" + name.upper().replace("-", "_")
        # argparse converts string defaults with `type`, so values from the environment are checked too.
        default = os.environ.get(variable, default)
        parser.add_argument(f"--{name}", default=default, help=f"{help} (%(default)s; env {variable})", **kwargs)

    option("host", "127.0.0.1", "address of the API")
    option("port", "8774", "port of the API", type=int)
    option("state", "var/devcloud.json", "JSON file keeping the servers across restarts")
    option("dcache-root", "var/dcache", "local folder standing in for dCache's data")
    option("vnc-port", "5900", "port of every server's VNC desktop (each server has its own address)", type=int)
    option("build-seconds", "1.0", "how long a server boots", type=float)
    option("max-instances", "10", "the project's instance quota (cores and RAM follow)", type=int)
    option("username", "visa", "the one user")
    option("password", "devcloud", "its password")
    option("project", "visa", "its project")
    choices = ["builtin", "xvnc", "auto"]
    option("vnc", "auto", "desktops: builtin VNC server, Xvnc, or Xvnc if installed", choices=choices)
    option("record", "", "folder to write every OpenStack API answer to, as JSON lines, for tests (none)")
    args = parser.parse_args(argv)
    if args.vnc == "xvnc" and not xvnc.available():
        parser.error("--vnc xvnc needs TigerVNC's Xvnc and vncpasswd on the PATH")
    return args


def main(argv=None):
    args = options(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    # SystemExit from the handler unwinds whatever runs, so SIGTERM shuts down like Ctrl-C.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    if args.vnc == "xvnc" or (args.vnc == "auto" and xvnc.available()):
        desktops = xvnc.XvncDesktops()
    else:
        desktops = BuiltinDesktops()
    door = dcache.Door(args.dcache_root, args.username, args.password)
    cloud = Cloud(args.state, desktops, door, args.vnc_port, args.build_seconds, catalogue.quota(args.max_instances))
    try:
        serve(args, cloud)
    except KeyboardInterrupt:
        pass
    finally:
        cloud.close()  # stops every desktop, Xvnc processes included


def serve(args, cloud):
    identity = keystone.Identity(args.username, args.password, args.project, cloud.token_secret)
    apis = [keystone.routes, nova.root, nova.routes, flavours.routes, glance.routes, neutron.routes, dcache.routes,
            introspection.routes, faults.routes]
    network = neutron.Network(Path(args.state).with_suffix(".network.json"))
    recorder = recording.Recorder(args.record) if args.record else None
    app = App(cloud, identity, apis, faults.Faults(), cloud.door, network, recorder)
    with Server((args.host, args.port), app) as server:
        host, port = server.server_address[:2]  # port 0 means any free port: say which
        logging.getLogger("devcloud").info("%s desktops, VNC on port %s", cloud.desktops.name, args.vnc_port)
        print(f"devcloud listening on http://{host}:{port}/v3", flush=True)
        server.serve_forever()


if __name__ == "__main__":
    main()
