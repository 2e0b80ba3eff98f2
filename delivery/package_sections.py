"""The render manifest of an approval as a section of the reviewers' package (registered in apps.py).

Reviewers and compliance see which channel files were produced from the approved revision and
the SHA-256 every later serve is checked against (delivery/renders.py).
"""

from delivery.models import RenderManifestEntry
from delivery.renders import formats_for, render_filename
from review.models import ApprovalRecord
from review.package_sections import PackageSection

TITLE = "Channel renders (render manifest)"


def render_manifest_section(record: ApprovalRecord) -> PackageSection | None:
    """One row per recorded render: format, file name, size and SHA-256; None for types with no renders."""
    if not formats_for(record.content_type.model):
        return None
    entries = list(RenderManifestEntry.objects.filter(approval=record).order_by("format"))
    if not entries:
        return PackageSection(
            title=TITLE,
            columns=[],
            rows=[],
            note="No renders recorded yet: they are produced once, right after approval.",
        )
    return PackageSection(
        title=TITLE,
        columns=["Format", "File name", "Size (bytes)", "SHA-256"],
        rows=[
            [entry.format, render_filename(record, entry.format), f"{entry.size:,}", entry.sha256]
            for entry in entries
        ],
        note=f"Recorded at approval for {record.job_code}; every channel download is checked against them.",
        hash_columns=frozenset({3}),
    )
