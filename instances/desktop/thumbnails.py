"""Thumbnails of desktops for the home page, taken by the server from the VM's VNC framebuffer.

visa connects to the VM's VNC server as the desktop proxy does (a shared client, authenticated with
the instance's secret by `rfb.authenticate_with_any`), asks for one full update in 32-bit raw
pixels and keeps it as a small JPEG in the database, so any web node can serve it. A capture that
fails is logged and skipped: the card keeps its last picture.
"""
import asyncio
import io
import logging
import struct
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from PIL import Image as Picture

from instances import live
from instances.models import DesktopSession, Instance, Thumbnail
from instances.states import State
from protocols import rfb

log = logging.getLogger(__name__)
WIDTH = 480  # pixels: sharp on cards about 380 CSS pixels wide
QUALITY = 80  # JPEG: 3-6 kB for devcloud's desktops, tens of kB for a busy screen
TIMEOUT = 5  # seconds for the whole capture
MAX_PIXELS = 5120 * 2880  # 5K; a larger screen would take more memory than a picture is worth
# 32 bpp, depth 24, little-endian, true colour, maxima 255, shifts red 0, green 8, blue 16:
# each pixel arrives as the bytes R, G, B, unused, which Pillow reads as "RGBX".
PIXEL_FORMAT = struct.pack(">BBBBHHHBBB3x", 32, 24, 0, 1, 255, 255, 255, 0, 8, 16)
RAW = 0


async def _framebuffer(address, port, secrets):
    """The VM's whole screen as (width, height, RGBX bytes)."""
    reader, writer, server_init = await rfb.authenticate_with_any(
        lambda: asyncio.open_connection(address, port), secrets)
    try:
        width, height = struct.unpack(">HH", server_init[:4])
        if not 0 < width * height <= MAX_PIXELS:
            raise rfb.RFBError(f"the desktop claims a screen of {width}x{height}")
        writer.write(bytes([rfb.SET_PIXEL_FORMAT, 0, 0, 0]) + PIXEL_FORMAT)
        writer.write(struct.pack(">BxHi", rfb.SET_ENCODINGS, 1, RAW))
        writer.write(struct.pack(">BBHHHH", rfb.UPDATE_REQUEST, 0, 0, 0, width, height))
        await _skip_to_update(reader)
        screen = bytearray(width * height * 4)
        (count,) = struct.unpack(">xH", await reader.readexactly(3))
        for _ in range(count):
            x, y, w, h, encoding = struct.unpack(">HHHHi", await reader.readexactly(12))
            if encoding != RAW or x + w > width or y + h > height:
                raise rfb.RFBError(f"unexpected rectangle {w}x{h}+{x}+{y} in encoding {encoding}")
            pixels = await reader.readexactly(w * h * 4)
            for row in range(h):
                at = ((y + row) * width + x) * 4
                screen[at:at + w * 4] = pixels[row * w * 4:(row + 1) * w * 4]
        return width, height, bytes(screen)
    finally:
        writer.close()


async def _skip_to_update(reader):
    """Read server messages up to the type byte of the next FramebufferUpdate."""
    while True:
        kind = (await reader.readexactly(1))[0]
        if kind == 0:
            return
        if kind == 1:  # SetColourMapEntries: not for a true-colour format, but harmless to skip
            (count,) = struct.unpack(">xxxH", await reader.readexactly(5))
            await reader.readexactly(6 * count)
        elif kind == 3:  # ServerCutText
            (length,) = struct.unpack(">3xI", await reader.readexactly(7))
            await reader.readexactly(length)
        elif kind != 2:  # 2 is Bell
            raise rfb.RFBError(f"unexpected server message {kind}")


def picture(address, port, secrets):
    """A JPEG of the desktop at (address, port), WIDTH pixels wide. Raises OSError, TimeoutError,
    asyncio.IncompleteReadError or rfb.RFBError when the desktop cannot be read."""
    width, height, pixels = asyncio.run(asyncio.wait_for(_framebuffer(address, port, secrets), TIMEOUT))
    image = Picture.frombytes("RGBX", (width, height), pixels).convert("RGB")
    image.thumbnail((WIDTH, WIDTH * height // width), Picture.Resampling.LANCZOS)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=QUALITY, optimize=True)
    return out.getvalue()


def capture(instance_pk):
    """Take and store the desktop's picture and tell open home pages; False if it could not be taken."""
    instance = Instance.objects.select_related("image").filter(pk=instance_pk, state=State.ACTIVE).first()
    if instance is None or not instance.address:
        return False
    try:
        jpeg = picture(instance.address, instance.image.vnc_port, instance.vnc_secrets)
    except (TimeoutError, OSError, asyncio.IncompleteReadError, rfb.RFBError, ValueError) as error:
        log.info("no thumbnail of %s: %s", instance.uuid, error or type(error).__name__)
        return False
    with transaction.atomic():  # kept only while still ACTIVE: a deleted desktop's picture goes with it
        if Instance.objects.select_for_update().filter(pk=instance.pk, state=State.ACTIVE).first() is None:
            return False
        Thumbnail.objects.update_or_create(instance=instance, defaults={"jpeg": jpeg, "taken_at": timezone.now()})
        live.announce(instance)
    return True


def due():
    """The instances whose picture should be taken again: active ones in use (someone is connected,
    or was active lately), and active ones without a picture yet."""
    recent = timezone.now() - timedelta(seconds=settings.VISA_THUMBNAIL_PERIOD + settings.VISA_ACTIVITY_THROTTLE)
    connected = Exists(DesktopSession.objects.filter(instance=OuterRef("pk"), ended_at=None))
    in_use = Q(connected) | Q(last_activity_at__gte=recent) | Q(thumbnail__isnull=True)
    return Instance.objects.filter(in_use, state=State.ACTIVE).values_list("pk", flat=True)
