"""Access to a VM's desktop: the proxy between noVNC and the VM's VNC server (`consumer`, `vmlink`)
and thumbnails taken from its framebuffer (`thumbnails`).

May import: instances.lifecycle (activity), instances.sharing (the access decision, sessions), the
models, states and live; protocols (RFB).
"""
