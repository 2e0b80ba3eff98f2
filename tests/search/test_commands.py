"""search_reindex, search_check and search_drain against the real node."""

import io

import pytest
from django.core.management import CommandError, call_command

from review.models import ApprovalRecord, OutboxEvent
from search.conf import client
from search.mapping import document_id
from tests import factories
from tests.search.conftest import search, sync

pytestmark = pytest.mark.elasticsearch


def run(name, *args) -> str:
    out = io.StringIO()
    call_command(name, *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_reindex_builds_a_new_index_and_swaps_the_alias(search_index, admin_client, product, market):
    factories.text_block(product=product, market=market, title="Before reindex")
    old = search_index.indices()
    output = run("search_reindex")
    new = search_index.indices()
    assert len(new) == 1 and new != old
    assert "Indexed 1 document(s)" in output
    assert not client().indices.exists(index=old[0])
    assert [r["title"] for r in search(admin_client)["results"]] == ["Before reindex"]
    run("search_check")


def test_reindex_if_missing_leaves_an_existing_alias(search_index):
    before = search_index.indices()
    assert "left as is" in run("search_reindex", "--if-missing")
    assert search_index.indices() == before


def test_check_reports_missing_stale_and_extra(search_index, product, market):
    kept = factories.text_block(product=product, market=market, title="Kept")
    lost = factories.text_block(product=product, market=market, title="Lost")
    sync(search_index)
    assert "No drift" in run("search_check")

    es = client()
    record = ApprovalRecord.objects.current().get(object_id=str(lost.pk))
    es.delete(index=search_index.alias, id=document_id("modules.textblock", str(lost.pk)), refresh=True)
    kept_id = document_id("modules.textblock", str(kept.pk))
    es.update(index=search_index.alias, id=kept_id, doc={"content_hash": "tampered"}, refresh=True)
    es.index(
        index=search_index.alias,
        id="modules.textblock:999999",
        document={"revision_id": 1, "content_hash": "x"},
    )
    search_index.refresh()
    out = io.StringIO()
    with pytest.raises(CommandError, match="1 missing, 1 stale, 1 extra"):
        call_command("search_check", stdout=out)
    report = out.getvalue()
    assert f"modules.textblock:{lost.pk} (revision {record.revision_id})" in report
    assert kept_id in report and "modules.textblock:999999" in report

    run("search_reindex")
    assert "No drift" in run("search_check")


def test_drain_is_idempotent(search_index, product, market):
    factories.text_block(product=product, market=market, title="Twice")
    sync(search_index)
    OutboxEvent.objects.update(delivered_at=None)  # deliver every event a second time
    assert "failed" in run("search_drain") and "0 failed" in run("search_drain", "--all")
    assert "No drift" in run("search_check")
