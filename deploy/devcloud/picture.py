"""What the builtin VNC desktop shows: a picture that changes every frame.

A gradient background, a bar sweeping across it, a block that changes colour every frame and a
square that follows the pointer. Frames are built from precomputed rows with bytes slicing only,
because the picture is also the source for the desktop proxy's throughput benchmarks.

Pixels are 4 bytes, blue, green, red, unused: 32 bpp little-endian true colour with red at bit 16.
"""
WIDTH, HEIGHT = 1024, 768
SCREEN = (0, 0, WIDTH, HEIGHT)  # rectangles are (x, y, width, height)
BAR_WIDTH, BAR_STEP = 32, 8
BLOCK = (64, 64, 160, 160)
MARKER = 12


def pixel(red, green, blue):
    return bytes((blue, green, red, 0))


class Picture:
    def __init__(self):
        self._background = [
            pixel(20, 40 + 120 * y // HEIGHT, 90 + 100 * y // HEIGHT) * WIDTH for y in range(HEIGHT)
        ]
        self._number = 0
        self._pointer = self._marker = (WIDTH // 2, HEIGHT // 2)
        self.frame = self._render()

    def point(self, x, y):
        """Remember where the pointer is; the next frame draws the marker there."""
        self._pointer = (min(x, WIDTH - MARKER), min(y, HEIGHT - MARKER))

    def advance(self):
        """Draw the next frame and return the rectangles that changed."""
        changed = [self._bar(), BLOCK]
        old_marker = self._marker_rect()
        self._number += 1
        self._marker = self._pointer
        self.frame = self._render()
        changed.append(self._bar())
        if self._marker_rect() != old_marker:
            changed += [old_marker, self._marker_rect()]
        return changed

    def region(self, rect):
        """The pixels of a rectangle of the current frame, row after row."""
        x, y, width, height = rect
        if rect == SCREEN:
            return self.frame
        frame, stride = self.frame, WIDTH * 4
        return b"".join(
            frame[row * stride + x * 4 : row * stride + (x + width) * 4] for row in range(y, y + height)
        )

    def _bar(self):
        return ((self._number * BAR_STEP) % (WIDTH - BAR_WIDTH), 0, BAR_WIDTH, HEIGHT)

    def _marker_rect(self):
        return (*self._marker, MARKER, MARKER)

    def _render(self):
        n = self._number
        rows = list(self._background)
        _fill(rows, self._bar(), pixel(240, 200, 40))
        _fill(rows, BLOCK, pixel(n * 7 % 256, n * 3 % 256, 255 - n * 5 % 256))
        _fill(rows, self._marker_rect(), pixel(255, 255, 255))
        return b"".join(rows)


def _fill(rows, rect, colour):
    x, y, width, height = rect
    span = colour * width
    for row in range(y, y + height):
        line = rows[row]
        rows[row] = line[: x * 4] + span + line[(x + width) * 4 :]
