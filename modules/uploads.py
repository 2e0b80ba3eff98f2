"""Verification of uploaded reference PDFs and visuals, decided from the bytes, never the filename."""

import re
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from io import BytesIO
from typing import Any

import magic
from django import forms
from django.conf import settings
from django.core.exceptions import SuspiciousFileOperation, ValidationError
from django.core.files import File
from django.core.files.base import ContentFile
from django.db import models
from django.utils.text import get_valid_filename
from PIL import Image, ImageFile, ImageOps
from pypdf import PdfReader
from pypdf.errors import DependencyError
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

# Enough for libmagic to recognise containers (ZIP-based office files, PE headers) in its messages.
MAGIC_HEAD_BYTES = 64 * 1024
MAX_STEM_LENGTH = 80
MAX_EXTENSION_LENGTH = 10
MAX_ANIMATION_FRAMES = 300

PDF_MIME = "application/pdf"
SVG_MIME = "image/svg+xml"
PILLOW_FORMATS = {"image/png": "PNG", "image/jpeg": "JPEG", "image/webp": "WEBP", "image/gif": "GIF"}
EXTENSIONS = {"PNG": "png", "JPEG": "jpg", "WEBP": "webp", "GIF": "gif"}
IMAGE_ACCEPT = ",".join(PILLOW_FORMATS)
IMAGE_FORMATS_TEXT = "PNG, JPEG, WebP or GIF"

EXECUTABLE_MIMES = {
    "application/x-dosexec",
    "application/x-executable",
    "application/x-pie-executable",
    "application/x-sharedlib",
    "application/x-mach-binary",
    "application/x-msdownload",
    "application/vnd.microsoft.portable-executable",
}
ARCHIVE_MIMES = {"application/zip", "application/gzip", "application/x-rar", "application/x-7z-compressed"}
# Active content in a PDF: keys whose mere presence means a reader may run or unpack something.
PDF_ACTIVE_KEYS = {
    "/JS": "JavaScript (/JS)",
    "/JavaScript": "JavaScript (/JavaScript)",
    "/AA": "automatic actions (/AA)",
    "/EmbeddedFiles": "embedded files (/EmbeddedFiles)",
    "/EF": "an embedded file (/EmbeddedFile)",
    "/RichMedia": "rich media (/RichMedia)",
    "/XFA": "an XFA form (/XFA)",
}
# Action types (/S) that run code, start programs or send data; links (/URI, /GoTo) stay allowed.
PDF_ACTIVE_ACTIONS = {
    "/JavaScript": "JavaScript (/JavaScript)",
    "/Launch": "a program launch (/Launch)",
    "/SubmitForm": "a form submission (/SubmitForm)",
    "/ImportData": "a data import (/ImportData)",
    "/GoToE": "a jump into an embedded file (/GoToE)",
    "/RichMediaExecute": "rich media commands (/RichMediaExecute)",
}
OPEN_ACTION = "an action run on opening (/OpenAction)"
EMBEDDED_FILE = "an embedded file (/EmbeddedFile)"
# Markup that makes a browser treat the bytes as a web page (a PDF/HTML polyglot).
HTML_MARKUP = re.compile(rb"<(?:!doctype\s+html|html|head|body|script|iframe|svg|object|embed)[\s>/]", re.I)
# Far above any real reference (a 25 MB journal PDF has ~20,000 objects); stops a crafted object bomb.
MAX_PDF_OBJECTS = 200_000
# Pixel info that carries no metadata but is needed to reproduce the image faithfully.
KEPT_INFO_KEYS = ("transparency", "duration", "loop")


class UploadRejected(ValidationError):
    """An upload refused with a message the person uploading can act on."""


def verify_reference_file(upload: File) -> File:
    """Accept only a non-empty PDF within the size limit; return it rewound and named `<base>.pdf`."""
    _check_size(upload.size, settings.MAX_REFERENCE_UPLOAD_BYTES, "reference PDFs")
    upload.seek(0)
    mime = _sniff(upload.read(MAGIC_HEAD_BYTES))
    upload.seek(0)
    if mime != PDF_MIME:
        raise UploadRejected(
            f"The file is {_describe(mime)}, not a PDF. Upload the reference as a PDF.",
            code="not_pdf",
        )
    _refuse_active_pdf(upload.read(settings.MAX_REFERENCE_UPLOAD_BYTES + 1))
    upload.seek(0)
    return File(upload, name=f"{_safe_stem(upload.name, 'reference')}.pdf")


def _refuse_active_pdf(data: bytes) -> None:
    """Refuse a PDF that carries scripts, launch actions, embedded files or HTML, naming what it found."""
    found = []
    if not data.startswith(b"%PDF-"):
        found.append("bytes before the PDF header (a polyglot)")
    if HTML_MARKUP.search(data):
        found.append("HTML markup (a PDF/HTML polyglot)")
    found += _pdf_active_content(data)
    if found:
        named = ", ".join(sorted(set(found), key=str.lower))
        raise UploadRejected(
            f"The PDF contains active content: {named}. References must be "
            "plain documents; print or export it to a new PDF without them and upload that.",
            code="pdf_active_content",
        )


def _pdf_active_content(data: bytes) -> list[str]:
    try:
        reader = PdfReader(BytesIO(data))
        if reader.is_encrypted and not _opens_without_password(reader):
            raise UploadRejected(
                "The PDF is encrypted or password-protected, so it cannot be checked. "
                "Upload a copy without a password.",
                code="pdf_encrypted",
            )
        return _walk_pdf(reader.trailer)
    except UploadRejected:
        raise
    except Exception as exc:
        # The bytes are hostile until proven otherwise: a PDF that cannot be parsed cannot be checked.
        raise UploadRejected(
            "The PDF is damaged and cannot be read. Export it again and upload the new file.",
            code="pdf_corrupt",
        ) from exc


def _opens_without_password(reader: PdfReader) -> bool:
    # Owner-password-only PDFs open with an empty user password. AES needs the optional
    # cryptography package, which is not installed: such files count as locked.
    try:
        return bool(reader.decrypt(""))
    except DependencyError:
        return False


def _walk_pdf(trailer: DictionaryObject) -> list[str]:
    """Every object reachable from the trailer, once each, checked for active keys and actions."""
    found, stack, seen = [], [trailer], set()
    while stack:
        obj = stack.pop()
        if isinstance(obj, IndirectObject):
            if (obj.idnum, obj.generation) in seen:
                continue
            seen.add((obj.idnum, obj.generation))
            if len(seen) > MAX_PDF_OBJECTS:
                raise ValueError("too many objects")
            obj = obj.get_object()
        if isinstance(obj, DictionaryObject):
            found += _active_entries(obj)
            stack.extend(obj.values())
        elif isinstance(obj, ArrayObject):
            stack.extend(obj)
    return found


def _active_entries(entry: DictionaryObject) -> list[str]:
    found = [label for key, label in PDF_ACTIVE_KEYS.items() if key in entry]
    if entry.get("/Type") == "/EmbeddedFile":
        found.append(EMBEDDED_FILE)
    action = entry.get("/S")
    if action in PDF_ACTIVE_ACTIONS:
        found.append(PDF_ACTIVE_ACTIONS[action])
    if "/OpenAction" in entry:
        opening = entry["/OpenAction"].get_object()
        # An explicit destination array ("open at page 1") is harmless; anything but a GoTo is not.
        if isinstance(opening, DictionaryObject) and opening.get("/S") != "/GoTo":
            found.append(OPEN_ACTION)
    return found


def verify_image(upload: File) -> ContentFile:
    """Accept a PNG, JPEG, WebP or GIF within the limits and return it re-encoded without metadata."""
    limit = settings.MAX_IMAGE_UPLOAD_BYTES
    _check_size(upload.size, limit, "images")
    upload.seek(0)
    data = upload.read(limit + 1)
    # The declared size can disagree with the stream; the bytes actually read are what count.
    _check_size(len(data), limit, "images")
    expected_format = _image_format(data)
    with _decoding_guard():
        _verify_structure(data, expected_format)
        encoded = _reencode(data, expected_format)
    name = f"{_safe_stem(upload.name, 'image')}.{EXTENSIONS[expected_format]}"
    return ContentFile(encoded, name=name)


def _check_size(size: int | None, limit: int, kind: str) -> None:
    if not size:
        raise UploadRejected("The file is empty. Choose the file again and re-upload it.", code="empty")
    if size > limit:
        raise UploadRejected(
            f"The file is {_human_size(size)}; the limit for {kind} is {_human_size(limit)}. "
            "Reduce its size and upload it again.",
            code="too_large",
        )


def _sniff(head: bytes) -> str:
    mime = magic.from_buffer(head, mime=True)
    # libmagic labels SVG without an XML prolog (or after a comment) as generic XML/HTML/text.
    if (mime.startswith("text/") or mime.endswith("/xml")) and b"<svg" in head.lower():
        return SVG_MIME
    return mime


def _image_format(data: bytes) -> str:
    mime = _sniff(data[:MAGIC_HEAD_BYTES])
    if mime == SVG_MIME:
        raise UploadRejected(
            "SVG images are not accepted because they can carry scripts. "
            f"Export the visual as {IMAGE_FORMATS_TEXT} and upload that instead.",
            code="svg",
        )
    if mime not in PILLOW_FORMATS:
        raise UploadRejected(
            f"The file is {_describe(mime)}, not a {IMAGE_FORMATS_TEXT} image. "
            "Upload the visual in one of those formats.",
            code="not_image",
        )
    return PILLOW_FORMATS[mime]


@contextmanager
def _decoding_guard() -> Iterator[None]:
    Image.MAX_IMAGE_PIXELS = settings.MAX_IMAGE_PIXELS
    # WeasyPrint sets Pillow's process-wide LOAD_TRUNCATED_IMAGES when it is imported (review PDFs);
    # uploads must still refuse truncated images, so it is off while an upload is decoded.
    truncated_allowed, ImageFile.LOAD_TRUNCATED_IMAGES = ImageFile.LOAD_TRUNCATED_IMAGES, False
    # catch_warnings is process-wide; if another thread races it, the explicit dimension check still holds.
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            yield
        except UploadRejected:
            raise
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise _dimensions_rejected(None) from exc
        except Exception as exc:
            # The bytes are hostile until proven otherwise: any parser failure means "unusable image".
            raise UploadRejected(
                "The image is damaged or incomplete and cannot be read. "
                "Export it again and upload the new file.",
                code="corrupt",
            ) from exc
        finally:
            ImageFile.LOAD_TRUNCATED_IMAGES = truncated_allowed


def _verify_structure(data: bytes, expected_format: str) -> None:
    with Image.open(BytesIO(data), formats=list(PILLOW_FORMATS.values())) as probe:
        if _base_format(probe) != expected_format:
            raise UploadRejected(
                f"The file's contents look like {expected_format} but it does not decode as one. "
                "Export it again and upload the new file.",
                code="type_mismatch",
            )
        _check_dimensions(probe.size)
        probe.verify()


def _base_format(image: Image.Image) -> str:
    # Cameras write MPO (a JPEG followed by more JPEG frames, e.g. a stereo pair or a depth map);
    # Pillow opens it as "MPO". Its first frame is an ordinary JPEG, which is what is kept.
    return "JPEG" if image.format == "MPO" else image.format


def _check_dimensions(size: tuple[int, int]) -> None:
    width, height = size
    if width * height > settings.MAX_IMAGE_PIXELS or max(width, height) > settings.MAX_IMAGE_SIDE:
        raise _dimensions_rejected(size)


def _dimensions_rejected(size: tuple[int, int] | None) -> UploadRejected:
    actual = f"{size[0]} × {size[1]} pixels" if size else "too large"
    return UploadRejected(
        f"The image is {actual}; the limit is {settings.MAX_IMAGE_SIDE:,} pixels per side and "
        f"{settings.MAX_IMAGE_PIXELS:,} pixels in total. Resize it and upload it again.",
        code="too_many_pixels",
    )


def _reencode(data: bytes, image_format: str) -> bytes:
    with Image.open(BytesIO(data), formats=[image_format]) as image:
        frames = _decoded_frames(image, animated=image_format != "JPEG")
    first, rest = _converted(frames[0], image_format), [_converted(f, image_format) for f in frames[1:]]
    output = BytesIO()
    first.save(output, format=image_format, **_save_options(image_format, frames, rest))
    return output.getvalue()


def _decoded_frames(image: Image.Image, *, animated: bool) -> list[Image.Image]:
    count = getattr(image, "n_frames", 1) if animated else 1
    width, height = image.size
    # Animations stay animated only while the decoded total stays within the pixel budget.
    if count > MAX_ANIMATION_FRAMES or count * width * height > settings.MAX_IMAGE_PIXELS:
        count = 1
    if count == 1:
        _load_frame(image, 0)
        # EXIF is about to be dropped, so its orientation has to be baked into the pixels first.
        return [_without_metadata(ImageOps.exif_transpose(image), image.info)]
    return [_without_metadata(_load_frame(image, index), image.info) for index in range(count)]


def _load_frame(image: Image.Image, index: int) -> Image.Image:
    image.seek(index)
    _check_dimensions(image.size)
    image.load()
    return image


def _without_metadata(image: Image.Image, info: dict[str, Any]) -> Image.Image:
    clean = image.copy()
    clean.info = {key: info[key] for key in KEPT_INFO_KEYS if key in info}
    return clean


def _converted(image: Image.Image, image_format: str) -> Image.Image:
    has_alpha = "A" in image.mode or "transparency" in image.info
    if image_format == "JPEG" and image.mode not in {"L", "RGB", "CMYK"}:
        return _with_info(image.convert("RGB"), image)
    if image_format == "WEBP" and image.mode not in {"RGB", "RGBA"}:
        return _with_info(image.convert("RGBA" if has_alpha else "RGB"), image)
    if image_format == "PNG" and image.mode not in {"1", "L", "LA", "I", "I;16", "P", "RGB", "RGBA"}:
        return _with_info(image.convert("RGBA"), image)
    return image


def _with_info(converted: Image.Image, source: Image.Image) -> Image.Image:
    # convert() folds transparency into the alpha channel; only timing needs carrying over.
    converted.info = {key: source.info[key] for key in ("duration", "loop") if key in source.info}
    return converted


def _save_options(image_format: str, frames: list[Image.Image], rest: list[Image.Image]) -> dict[str, Any]:
    options: dict[str, Any] = {}
    if image_format in {"JPEG", "WEBP"}:
        options["quality"] = 90
    if rest:
        options.update(save_all=True, append_images=rest)
        options["duration"] = [frame.info.get("duration", 100) for frame in frames]
        if "loop" in frames[0].info:
            options["loop"] = frames[0].info["loop"]
    return options


def _safe_stem(name: str | None, fallback: str) -> str:
    base = re.split(r"[\\/]", name or "")[-1]
    stem = base.rsplit(".", 1)[0] if "." in base.lstrip(".") else base
    # Inner dots would leave double extensions ("invoice.exe.pdf") that some servers act on.
    stem = stem.replace(".", "_")
    try:
        return get_valid_filename(stem)[:MAX_STEM_LENGTH]
    except SuspiciousFileOperation:
        return fallback


def _shortened_name(name: str) -> str:
    base = re.split(r"[\\/]", name)[-1]
    stem, dot, extension = base.rpartition(".") if "." in base.lstrip(".") else (base, "", "")
    return f"{stem[:MAX_STEM_LENGTH]}{dot}{extension[:MAX_EXTENSION_LENGTH]}"


def _human_size(size: int) -> str:
    if size < 1024:
        return f"{size} bytes"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KB"
    return f"{size / (1024 * 1024):.1f} MB"


def _describe(mime: str) -> str:
    if mime in EXECUTABLE_MIMES:
        kind = "an executable"
    elif mime == "text/html":
        kind = "an HTML page"
    elif mime == PDF_MIME:
        kind = "a PDF"
    elif mime == SVG_MIME:
        kind = "an SVG image"
    elif mime.startswith("image/"):
        kind = "an image"
    elif mime in ARCHIVE_MIMES:
        kind = "an archive"
    elif mime.startswith("text/"):
        kind = "a text file"
    else:
        kind = "a file"
    return f"{kind} ({mime})"


class _VerifiedFileFormField(forms.FileField):
    accept = ""

    def verify(self, upload: File) -> File:
        raise NotImplementedError

    def widget_attrs(self, widget: forms.Widget) -> dict[str, Any]:
        attrs = super().widget_attrs(widget)
        attrs.setdefault("accept", self.accept)
        return attrs

    def clean(self, data: Any, initial: Any = None) -> Any:
        if data and getattr(data, "name", None):
            # Django refuses names over the model field's max_length before verify() could shorten
            # them, so a 250-character camera or export name is shortened first, keeping its extension.
            data.name = _shortened_name(data.name)
        cleaned = super().clean(data, initial)
        if not data or cleaned is not data:
            # Nothing new was uploaded (kept, cleared or absent): the stored file is not re-checked.
            return cleaned
        return self.verify(cleaned)


class ReferenceFileFormField(_VerifiedFileFormField):
    accept = f"{PDF_MIME},.pdf"

    def verify(self, upload: File) -> File:
        return verify_reference_file(upload)


class VisualImageFormField(_VerifiedFileFormField):
    accept = IMAGE_ACCEPT

    def verify(self, upload: File) -> File:
        return verify_image(upload)


class ReferenceFileField(models.FileField):
    """A FileField whose forms accept only verified PDFs."""

    def formfield(self, **kwargs: Any) -> forms.Field:
        return super().formfield(**{"form_class": ReferenceFileFormField, **kwargs})


class VisualImageField(models.FileField):
    """A FileField whose forms accept only verified, re-encoded PNG, JPEG, WebP or GIF images."""

    def formfield(self, **kwargs: Any) -> forms.Field:
        return super().formfield(**{"form_class": VisualImageFormField, **kwargs})
