"""The demo's Celery broker: kombu's filesystem transport, writing each message atomically.

kombu creates a message file in the queue folder and then writes it, so a worker polling the
folder can take a file still empty and crash on it (seen with a burst of launches). Here the
message is written under a name the worker skips and then renamed into place. Its folders are made on first use."""
import os
import uuid
from time import monotonic

from kombu.transport import filesystem
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
