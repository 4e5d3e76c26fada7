"""Responsive renditions of uploaded photos: each cropped to its shape and saved in a few widths
as AVIF (when this Pillow can write it), WebP and JPEG, made once with Pillow and kept under
MEDIA_ROOT beside the originals, so a page offers `<picture>` sources and never the raw upload
(which may be huge and may carry its camera's metadata, location included)."""

import logging
import threading
from dataclasses import dataclass
from io import BytesIO
from pathlib import PurePosixPath

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models.fields.files import FieldFile
from PIL import Image, ImageOps, UnidentifiedImageError, features

logger = logging.getLogger(__name__)

RENDITIONS_DIR = "renditions"


@dataclass(frozen=True)
class Shape:
    """How a kind of photo is shown: its aspect ratio and the widths offered."""

    ratio: tuple[int, int]  # width : height
    widths: tuple[int, ...]
    # Where the crop centres: portraits keep the face, which is usually in the upper part.
    centering: tuple[float, float] = (0.5, 0.5)


SHAPES = {
    "portrait": Shape(ratio=(1, 1), widths=(160, 320, 640), centering=(0.5, 0.3)),
    "hero": Shape(ratio=(3, 2), widths=(640, 960, 1440)),
}

# Best first: the browser takes the first <source> whose type it supports; JPEG is the <img>.
FORMATS: tuple[tuple[str, str, str, dict], ...] = tuple(
    entry
    for entry in (
        ("AVIF", "avif", "image/avif", {"quality": 55, "speed": 6}),
        ("WEBP", "webp", "image/webp", {"quality": 78, "method": 5}),
        ("JPEG", "jpg", "image/jpeg", {"quality": 82, "optimize": True, "progressive": True}),
    )
    if features.check(entry[1])
)


@dataclass(frozen=True)
class Source:
    mime: str
    srcset: str


@dataclass(frozen=True)
class Picture:
    """What a template needs for `<picture>`: sources best first, the fallback and its size."""

    sources: tuple[Source, ...]
    src: str
    width: int
    height: int


_made: dict[str, Picture] = {}
_lock = threading.Lock()


def rendition_name(original: str, kind: str, width: int, extension: str) -> str:
    stem = PurePosixPath(original).with_suffix("")
    return f"{RENDITIONS_DIR}/{stem}-{kind}-{width}w.{extension}"


def _widths(shape: Shape, source_width: int, source_height: int) -> list[int]:
    """The shape's widths that the photo can fill without upscaling (at least the smallest)."""
    ratio_w, ratio_h = shape.ratio
    croppable = min(source_width, source_height * ratio_w // ratio_h)
    return [w for w in shape.widths if w <= croppable] or [min(shape.widths[0], croppable)]


def _encode(image: Image.Image, pil_format: str, options: dict) -> bytes:
    if pil_format == "JPEG" and image.mode != "RGB":
        image = image.convert("RGB")
    buffer = BytesIO()
    image.save(buffer, pil_format, **options)  # no exif= : the camera's metadata stays out
    return buffer.getvalue()


def _flatten(image: Image.Image) -> Image.Image:
    """Upright (the camera's orientation tag applied) and in RGB, transparency on white."""
    image = ImageOps.exif_transpose(image)
    if image.mode in ("RGBA", "LA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        flat = Image.new("RGB", rgba.size, "white")
        flat.paste(rgba, mask=rgba.getchannel("A"))
        return flat
    return image.convert("RGB")


def make_picture(file: FieldFile, kind: str) -> Picture | None:
    """The renditions of one uploaded photo, written to storage where missing. None when there is
    no file or it is not a readable image (the page then shows its drawing)."""
    if not file:
        return None
    shape = SHAPES[kind]
    storage = file.storage
    try:
        with file.open("rb") as opened, Image.open(opened) as loaded:
            image = _flatten(loaded)
    except (OSError, UnidentifiedImageError, ValueError):
        logger.warning("Photo %s could not be read; the drawing is shown instead", file.name)
        return None
    ratio_w, ratio_h = shape.ratio
    widths = _widths(shape, *image.size)
    sources: list[Source] = []
    fallback = ""
    for pil_format, extension, mime, options in FORMATS:
        candidates = []
        for width in widths:
            name = rendition_name(file.name, kind, width, extension)
            if not storage.exists(name):
                size = (width, width * ratio_h // ratio_w)
                fitted = ImageOps.fit(
                    image, size, Image.Resampling.LANCZOS, centering=shape.centering
                )
                saved = storage.save(name, ContentFile(_encode(fitted, pil_format, options)))
                if saved != name:  # another process wrote it meanwhile: keep one copy
                    storage.delete(saved)
            candidates.append(f"{storage.url(name)} {width}w")
        if extension == "jpg":
            fallback = storage.url(rendition_name(file.name, kind, widths[0], extension))
        sources.append(Source(mime=mime, srcset=", ".join(candidates)))
    return Picture(
        sources=tuple(sources),
        src=fallback,
        width=widths[0],
        height=widths[0] * ratio_h // ratio_w,
    )


def picture(file: FieldFile, kind: str) -> Picture | None:
    """make_picture, once per photo and process: after the first page that shows it, no disk
    access at all. A new upload has a new name, so it never meets an old entry."""
    if not file:
        return None
    key = f"{kind}:{file.storage.url(file.name)}"
    found = _made.get(key)
    if found is None:
        with _lock:
            found = _made.get(key) or make_picture(file, kind)
            if found is not None:
                _made[key] = found
    return found


def render_after_save(field: str, kind: str):
    """A post_save receiver that makes a model's renditions once its transaction commits, so
    the first visitor after an upload does not wait for the encoding."""

    def receiver(sender, instance, **kwargs) -> None:
        file = getattr(instance, field)
        if file:
            transaction.on_commit(lambda: picture(file, kind))

    return receiver
