"""A portal's captcha image drawn with text: every face can show it, in any terminal.

    lines = captcha_lines(challenge.image_png, max_columns=76)   # list[str]

The PNG is decoded here (standard library only: zlib) and drawn in two tones with the
half-block characters « ▀ ▄ █ » and spaces, one character per 2 × 1 pixels after scaling:
no colour (NO_COLOR, monochrome terminals, a screen shot read back all work), no escape
sequence. The image comes from the portal and is hostile: its size, its chunks and its
decompressed length are bounded; anything else is `CaptchaImageError` (French message).
"""

from __future__ import annotations

import struct
import zlib

__all__ = ["CaptchaImageError", "captcha_lines", "decode_png_gray", "half_block_lines"]

#: Largest image accepted (a captcha is a few hundred pixels wide).
MAX_SIDE = 2000
MAX_PIXELS = 1_000_000
_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}


_HALF_BLOCKS = {(False, False): " ", (True, False): "▀", (False, True): "▄", (True, True): "█"}


def half_block_lines(dark: list[list[bool]]) -> list[str]:
    """A picture of dark/light pixels as text, two pixel rows per line (« ▀ ▄ █ » and
    spaces): what the captcha and the payment's QR code are both drawn with."""
    width = max((len(row) for row in dark), default=0)
    padded = [row + [False] * (width - len(row)) for row in dark]
    if len(padded) % 2:
        padded.append([False] * width)
    return [
        "".join(_HALF_BLOCKS[(top, bottom)] for top, bottom in zip(upper, lower, strict=True))
        for upper, lower in zip(padded[0::2], padded[1::2], strict=True)
    ]


class CaptchaImageError(ValueError):
    def __init__(self, why: str = "") -> None:
        self.message = (
            "L'image du code de sécurité envoyée par le portail est illisible"
            + (f" ({why})" if why else "")
            + " : demandez un nouveau code."
        )
        super().__init__(self.message)


def _paeth(a: int, b: int, c: int) -> int:
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    if pa <= pb and pa <= pc:
        return a
    return b if pb <= pc else c


def decode_png_gray(data: bytes) -> tuple[int, int, list[bytes]]:
    """(width, height, rows of 8-bit luminance). 8-bit, non-interlaced PNGs of every colour
    type (what captcha libraries write); anything else is CaptchaImageError."""
    if not data.startswith(_SIGNATURE):
        raise CaptchaImageError("ce n'est pas une image PNG")
    position = len(_SIGNATURE)
    header: tuple[int, ...] | None = None
    palette = b""
    compressed = bytearray()
    while position + 8 <= len(data):
        length, kind = struct.unpack(">I4s", data[position:position + 8])
        chunk = data[position + 8:position + 8 + length]
        if len(chunk) != length:
            raise CaptchaImageError("image tronquée")
        position += 12 + length
        if kind == b"IHDR" and length == 13:
            header = struct.unpack(">IIBBBBB", chunk)
        elif kind == b"PLTE":
            palette = chunk
        elif kind == b"IDAT":
            compressed += chunk
        elif kind == b"IEND":
            break
    if header is None:
        raise CaptchaImageError("en-tête absent")
    width, height, depth, colour, _, _, interlace = header
    if not (0 < width <= MAX_SIDE and 0 < height <= MAX_SIDE and width * height <= MAX_PIXELS):
        raise CaptchaImageError("dimensions refusées")
    if depth != 8 or interlace != 0 or colour not in _CHANNELS:
        raise CaptchaImageError("format non pris en charge")
    channels = _CHANNELS[colour]
    stride = width * channels
    expected = (stride + 1) * height
    try:
        # At most the expected size is inflated: a decompression bomb stops there.
        raw = zlib.decompressobj().decompress(bytes(compressed), expected)
    except zlib.error:
        raise CaptchaImageError("données corrompues") from None
    if len(raw) < expected:
        raise CaptchaImageError("image tronquée")
    rows: list[bytes] = []
    previous = bytearray(stride)
    for y in range(height):
        start = y * (stride + 1)
        kind = raw[start]
        line = bytearray(raw[start + 1:start + 1 + stride])
        for x in range(stride):
            left = line[x - channels] if x >= channels else 0
            up = previous[x]
            up_left = previous[x - channels] if x >= channels else 0
            if kind == 1:
                line[x] = (line[x] + left) & 0xFF
            elif kind == 2:
                line[x] = (line[x] + up) & 0xFF
            elif kind == 3:
                line[x] = (line[x] + ((left + up) >> 1)) & 0xFF
            elif kind == 4:
                line[x] = (line[x] + _paeth(left, up, up_left)) & 0xFF
            elif kind != 0:
                raise CaptchaImageError("données corrompues")
        previous = line
        rows.append(_luminance(bytes(line), colour, channels, palette, width))
    return width, height, rows


def _luminance(line: bytes, colour: int, channels: int, palette: bytes, width: int) -> bytes:
    out = bytearray(width)
    for x in range(width):
        pixel = line[x * channels:(x + 1) * channels]
        if colour == 3:
            index = pixel[0] * 3
            r, g, b = palette[index:index + 3] if index + 3 <= len(palette) else (0, 0, 0)
            alpha = 255
        elif colour in (0, 4):
            r = g = b = pixel[0]
            alpha = pixel[1] if colour == 4 else 255
        else:
            r, g, b = pixel[0], pixel[1], pixel[2]
            alpha = pixel[3] if colour == 6 else 255
        value = (299 * r + 587 * g + 114 * b) // 1000
        # Transparent pixels are the background (white).
        out[x] = (value * alpha + 255 * (255 - alpha)) // 255
    return bytes(out)


def captcha_lines(png: bytes, *, max_columns: int = 76, max_lines: int = 12) -> list[str]:
    """The image as lines of « ▀ ▄ █ » and spaces: dark pixels are drawn, light ones not."""
    width, height, rows = decode_png_gray(png)
    scale = max(width / max(1, max_columns), height / max(1, 2 * max_lines), 1.0)
    columns = max(1, int(width / scale))
    pixel_rows = max(2, int(height / scale))
    # One threshold for the whole image, between its darkest and lightest tones.
    values = [v for row in rows for v in row]
    threshold = (min(values) + max(values)) / 2

    def dark(cx: int, cy: int) -> bool:
        # The mean of the source pixels under this cell, so that thin strokes survive.
        x0, x1 = int(cx * scale), max(int(cx * scale) + 1, int((cx + 1) * scale))
        y0, y1 = int(cy * scale), max(int(cy * scale) + 1, int((cy + 1) * scale))
        total = count = 0
        for y in range(y0, min(y1, height)):
            row = rows[y]
            for x in range(x0, min(x1, width)):
                total += row[x]
                count += 1
        return count > 0 and total / count < threshold

    picture = [[dark(cx, cy) for cx in range(columns)] for cy in range(pixel_rows)]
    return [line.rstrip() for line in half_block_lines(picture)]
