"""Small real files for upload tests."""

import io

from PIL import Image


def tiny_pdf() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (10, 10), "white").save(buffer, format="PDF")
    return buffer.getvalue()


def tiny_png(size=(8, 8), colour="red") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, format="PNG")
    return buffer.getvalue()
