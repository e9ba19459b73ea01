"""The cloud side of an instance: the openstacksdk driver (`driver`), the cloud-init user data,
which data each VM mounts and how (`mounts`, `dcache` for WebDAV macaroons), and the endpoint the
VM's mount agent asks (`agent`).

May import: the models and states, openaccess (who may read), protocols (the mount agent's code).
"""
