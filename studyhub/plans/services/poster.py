"""The plan's poster as a PNG: drawn with Pillow, its QR code made by segno.

A member forwards the picture in WeChat or prints it; no browser screenshot needed.
Chinese needs a CJK font: ``POSTER_FONT`` (a .ttf/.ttc path) when set, else the first
of the system fonts below that exists (Debian: ``apt install fonts-wqy-zenhei`` or
``fonts-noto-cjk``). Without one the poster is still drawn, with Pillow's built-in
font: Latin text and the QR code are right, Chinese characters show as boxes, and
the log says which package to install.
"""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import segno
from PIL import Image, ImageDraw, ImageFont

log = logging.getLogger(__name__)

SYSTEM_FONTS = (
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
)

WIDTH, HEIGHT = 1080, 1620  # a phone-shaped 2:3 picture
QR_LEFT, QR_TOP, QR_SIDE = 220, 720, 640  # the code's box, the same for every title
RED = (179, 38, 30)
INK = (33, 33, 33)
MUTED = (97, 97, 97)


@dataclass(frozen=True)
class PosterText:
    committee: str
    branch: str | None
    title: str
    due: str  # "Please finish by …", already in the reader's language
    hint: str
    url: str


@lru_cache(maxsize=4)
def font_path(configured: str | None = None) -> str | None:
    """The CJK font to draw with, or ``None`` (then Pillow's built-in font)."""
    for candidate in ((configured,) if configured else ()) + SYSTEM_FONTS:
        if candidate and Path(candidate).is_file():
            return candidate
    log.warning("poster: no CJK font found; install fonts-wqy-zenhei or set POSTER_FONT")
    return None


def _font(path: str | None, size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    if path is None:
        return ImageFont.load_default(size)
    return ImageFont.truetype(path, size)


def _wrap(draw: ImageDraw.ImageDraw, text: str, font, width: int) -> list[str]:
    """Lines of ``text`` no wider than ``width`` (character by character: Chinese has no
    spaces to break at)."""
    lines: list[str] = []
    line = ""
    for char in text:
        if draw.textlength(line + char, font=font) > width and line:
            lines.append(line)
            line = char.lstrip()
        else:
            line += char
    if line:
        lines.append(line)
    return lines


def qr_image(url: str) -> Image.Image:
    """The QR code of ``url``, scaled to the poster's box with sharp module edges."""
    buffer = io.BytesIO()
    segno.make(url, error="m").save(buffer, kind="png", scale=1, border=2)
    buffer.seek(0)
    code = Image.open(buffer).convert("RGB")
    return code.resize((QR_SIDE, QR_SIDE), Image.Resampling.NEAREST)


def poster_png(text: PosterText, *, font: str | None = None) -> bytes:
    """The poster as PNG bytes."""
    path = font_path(font)
    image = Image.new("RGB", (WIDTH, HEIGHT), "white")
    draw = ImageDraw.Draw(image)
    draw.rectangle([0, 0, WIDTH, 160], fill=RED)
    margin = 80
    y = 50
    header = text.committee + (f" · {text.branch}" if text.branch else "")
    draw.text((WIDTH // 2, y + 30), header, font=_font(path, 44), fill="white", anchor="mm")
    y = 220
    title_font = _font(path, 72)
    for line in _wrap(draw, text.title, title_font, WIDTH - 2 * margin)[:4]:
        draw.text((WIDTH // 2, y), line, font=title_font, fill=INK, anchor="ma")
        y += 96
    draw.text((WIDTH // 2, 630), text.due, font=_font(path, 44), fill=RED, anchor="ma")
    image.paste(qr_image(text.url), (QR_LEFT, QR_TOP))
    y = QR_TOP + QR_SIDE + 40
    hint_font = _font(path, 40)
    for line in _wrap(draw, text.hint, hint_font, WIDTH - 2 * margin)[:2]:
        draw.text((WIDTH // 2, y), line, font=hint_font, fill=INK, anchor="ma")
        y += 56
    url_font = _font(path, 28)
    for line in _wrap(draw, text.url, url_font, WIDTH - 2 * margin)[:2]:
        draw.text((WIDTH // 2, y + 10), line, font=url_font, fill=MUTED, anchor="ma")
        y += 40
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()
