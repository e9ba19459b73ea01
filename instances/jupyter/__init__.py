"""JupyterLab in the VM, reverse-proxied by visa on an origin of its own per instance.

Owns the notebook origin (`origins`), the one-time tickets and the short-lived cookie that carry a
visa user there (`tickets`), the page on visa's origin that issues them (`views`), the HTTP proxy
(`proxy`) and the WebSocket proxy for kernels and terminals (`consumer`), both behind `asgi`.
May import sharing (the access decision, the registry of live connections), lifecycle (activity),
cloud (the VM's Jupyter token) and models; never desktop, pages or api.
"""
