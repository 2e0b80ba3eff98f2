"""`seed_demo` leaves an approved e-detail, email and invitation in US-en that a channel can render."""

import hashlib
import io
import zipfile

from django.core.management import call_command

from delivery.models import RenderManifestEntry
from delivery.services import channel_client_create


def test_a_us_channel_renders_every_format_of_the_demo_assemblies(db, client, capsys):
    call_command("seed_demo")
    _channel, token = channel_client_create(
        name="Demo channel", market_codes=["US-en"], channel_codes=["email", "edetail", "invitation"]
    )
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    listed = client.get("/api/v1/content", {"type": ["edetail", "email", "invitation"]})
    assert listed.status_code == 200, listed.content
    items = {item["type"]: item for item in listed.json()["results"]}
    assert set(items) == {"edetail", "email", "invitation"}
    for item in items.values():
        assert item["markets"] == ["US-en"]
        detail = client.get(f"/api/v1/content/{item['id']}")
        assert detail.status_code == 200 and detail.json()["job_code"] == item["job_code"]
        for fmt, url in item["links"]["renders"].items():
            served = client.get(url)
            assert served.status_code == 200, (item["id"], fmt, served.content[:300])
            entry = RenderManifestEntry.objects.get(approval_id=item["approval_id"], format=fmt)
            assert hashlib.sha256(served.content).hexdigest() == entry.sha256
    assert set(items["edetail"]["links"]["renders"]) == {"clm.zip", "pdf"}
    deck = client.get(items["edetail"]["links"]["renders"]["clm.zip"]).content
    assert "index.html" in zipfile.ZipFile(io.BytesIO(deck)).namelist()
