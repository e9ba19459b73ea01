"""Who may use a desktop and how: roles (`roles`), the one access decision for every way into a VM
(`access`), share links and invitations (`links`), desktop sessions and the control messages the
proxy obeys (`sessions`), and support staff's access requests (`requests`).

May import: the models, states and live; openaccess (who may read the data). Not lifecycle: the
lifecycle asks sharing who someone is.
"""
