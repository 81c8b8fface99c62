"""Checks the HTML report tests share (profile, run and scan pages): external references in a page,
headless Debian chromium, PNG pixels."""

from __future__ import annotations

import re
import struct
import subprocess
import zlib
from html.parser import HTMLParser
from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync")


class _Refs(HTMLParser):
    def __init__(self):
        super().__init__()
        self.refs: list[str] = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in ("src", "href", "xlink:href", "action", "data", "poster", "srcset") and value:
                self.refs.append(value)


def external_references(page: str) -> list[str]:
    """Every src/href that points anywhere but inside the page, plus CSS url(...) and @import."""
    parser = _Refs()
    parser.feed(page)
    refs = [r for r in parser.refs if not r.startswith("#")]
    refs += re.findall(r"url\(\s*['\"]?(?!#|data:)([^)'\"]+)", page)
    refs += re.findall(r"@import\s+[^;]+", page)
    return refs


def chromium(profile: Path, *args: str) -> subprocess.CompletedProcess:
    """Debian chromium, headless, with a fresh profile, logging the page's console to stderr."""
    command = [str(CHROMIUM), *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "--enable-logging=stderr", "--v=0", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)


def console_problems(stderr: str) -> list[str]:
    """Console messages and uncaught errors chromium logged for the page (the pages log nothing)."""
    return [line for line in stderr.splitlines() if "CONSOLE" in line or "Uncaught" in line]


def png_colours(data: bytes) -> tuple[int, int, dict[tuple[int, int, int], int]]:
    """Size and pixel count per RGB colour of a PNG as chromium writes it (8-bit RGB/RGBA, not interlaced).

    A small decoder: Sub and Up rows with numpy, Average and Paeth rows byte by byte (Pillow is not a
    dependency).
    """
    import numpy as np

    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, header = 8, b"", None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos: pos + 8])
        body = data[pos + 8: pos + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    width, height, depth, colour_type, _, _, interlace = header
    assert depth == 8 and colour_type in (2, 6) and interlace == 0, f"unsupported PNG {header}"
    channels = 3 if colour_type == 2 else 4
    stride = width * channels
    rows = np.frombuffer(zlib.decompress(idat), dtype=np.uint8).reshape(height, stride + 1)
    image = np.zeros((height, stride), dtype=np.uint8)
    previous = np.zeros(stride, dtype=np.uint8)
    for y in range(height):
        image[y] = _unfilter(int(rows[y, 0]), rows[y, 1:], previous, channels)
        previous = image[y]
    rgb = image.reshape(height, width, channels)[:, :, :3].astype(np.uint32)
    packed, counts = np.unique((rgb[:, :, 0] << 16) | (rgb[:, :, 1] << 8) | rgb[:, :, 2], return_counts=True)
    return width, height, {(int(v) >> 16, (int(v) >> 8) & 0xFF, int(v) & 0xFF): int(n) for v, n in zip(packed, counts)}


def _unfilter(kind, line, prev, bpp):
    import numpy as np

    if kind == 0:
        return line
    if kind == 1:
        return np.cumsum(line.reshape(-1, bpp), axis=0, dtype=np.uint8).reshape(-1)
    if kind == 2:
        return line + prev
    out, up = bytearray(line.tobytes()), prev.tobytes()
    for i in range(len(out)):
        left = out[i - bpp] if i >= bpp else 0
        if kind == 3:
            out[i] = (out[i] + (left + up[i]) // 2) & 0xFF
        elif kind == 4:
            corner = up[i - bpp] if i >= bpp else 0
            p = left + up[i] - corner
            pa, pb, pc = abs(p - left), abs(p - up[i]), abs(p - corner)
            out[i] = (out[i] + (left if pa <= pb and pa <= pc else up[i] if pb <= pc else corner)) & 0xFF
        else:
            raise AssertionError(f"bad PNG filter {kind}")
    return np.frombuffer(bytes(out), dtype=np.uint8)


def hex_rgb(colour: str) -> tuple[int, int, int]:
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)
