"""Celery's brokers: for the demo, kombu's filesystem transport writing each message atomically;
in production, kombu's Redis transport that survives Redis going away (`RedisTransport`).

kombu creates a message file in the queue folder and then writes it, so a worker polling the
folder can take a file still empty and crash on it (seen with a burst of launches). Here the
message is written under a name the worker skips and then renamed into place. Its folders are made on first use."""
import os
import uuid
from time import monotonic

from kombu.transport import filesystem, redis
from kombu.utils.encoding import str_to_bytes
from kombu.utils.json import dumps


class Channel(filesystem.Channel):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Whichever process comes first (web or worker) makes the folders: none may find them missing.
        for folder in (self.data_folder_in, self.data_folder_out, self.processed_folder):
            os.makedirs(folder, exist_ok=True)

    def _put(self, queue, payload, **kwargs):
        name = f"{int(round(monotonic() * 1000))}_{uuid.uuid4()}.{queue}.msg"
        final = os.path.join(self.data_folder_out, name)
        partial = os.path.join(self.data_folder_out, f"partial-{name}.part")  # not "<queue>.msg": skipped
        with open(partial, "wb") as file:
            file.write(str_to_bytes(dumps(payload)))
        os.replace(partial, final)


class Transport(filesystem.Transport):
    Channel = Channel


class RedisQoS(redis.QoS):
    """Acknowledgements of a channel whose connection was lost are dropped: kombu 5.7 fails on them
    with an AttributeError that stops the worker. The message stays in Redis's unacknowledged set
    and is delivered again after the visibility timeout (CELERY_BROKER_TRANSPORT_OPTIONS), as a
    killed worker's are; an advance task delivered again stops unless it is still the instance's
    `step_task`, and the other tasks may run twice."""

    def ack(self, delivery_tag):
        if not self.channel.closed:
            super().ack(delivery_tag)

    def reject(self, delivery_tag, requeue=False):
        if not self.channel.closed:
            super().reject(delivery_tag, requeue)


class RedisChannel(redis.Channel):
    QoS = RedisQoS
    do_restore = False  # giving messages back as a lost connection's channel closes fails the same way


class RedisTransport(redis.Transport):
    """kombu's Redis transport for a worker that outlives Redis going away."""

    Channel = RedisChannel


def redis_options(visibility_timeout):
    """The Redis transport's options. A task is acknowledged when it ends (CELERY_TASK_ACKS_LATE);
    one a killed worker held goes back to the queue `visibility_timeout` seconds after it was taken
    (kombu's default: 1 h), and every worker looks each second. settings gives a run of
    VISA_STEP_SECONDS plus one cloud call; a longer run or a later countdown is delivered twice,
    and its `step_task` stops the copy (instances/queue.py)."""
    return {
        "visibility_timeout": visibility_timeout,
        "unacked_restore_interval": 1, "unacked_restore_throttle": 1,
        "socket_connect_timeout": 5, "socket_timeout": 5,  # a broker that hangs fails a publish, not a page
    }
