"""An instance's life: every state change (`services.transition`, with its event, row-locked), the
use cases (launch, start, stop, reboot, delete, attach, detach), the cloud steps that carry a change
out (`steps`), the reconciler, expiry, and quotas at launch (`quota`).

May import: instances.sharing, instances.cloud, the models, states, live and queue; quotas and
openaccess. Queues tasks through `instances.queue`, never by importing `instances.tasks`.
"""
