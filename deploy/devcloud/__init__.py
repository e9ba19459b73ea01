"""devcloud: an OpenStack API simulator (Keystone, Nova, Glance) whose servers run real VNC desktops.

Run it with `python -m deploy.devcloud --help`; tests start it through `deploy.devcloud.testing`.
"""
