"""Instances: virtual machines with a desktop, from launch to deletion, and every way into them.

Sub-packages by concern, each importing only those below it (import-linter checks it):

    api, pages            the REST API and the web pages (with the live-update consumer)
    desktop               the desktop proxy (Channels consumer, VM link) and thumbnails
    lifecycle             state changes (services), their cloud steps, reconcile, expiry, quotas at launch
    sharing               roles, the access decision, share links, sessions and control messages
    cloud                 openstacksdk driver, cloud-init, data mounts, the mount agent's endpoint, dCache

Beside them, used by all: `models`, `states` (the transition table and its state groups), `live`
(announcing changes to open pages) and `queue` (Celery tasks queued by name); `tasks`, `admin`,
`urls` and `routing` sit on top, where Django and Celery look for them. This app may import
`quotas` and `openaccess`, never the reverse.
"""
