"""Two saves of one module at the same moment, through Wagtail's own edit view and real PostgreSQL."""

import threading
import time

import pytest
from django.db import connection, transaction
from django.test import Client
from wagtail.models import Revision
from wagtail.test.utils.form_data import rich_text

from modules.models import Audience, TextBlock
from tests import factories
from tests.modules.test_admin_modules import edit_url, form_data, scope_data

pytestmark = pytest.mark.django_db(transaction=True)


def wait_until_another_session_waits_for_a_lock(thread, answer, timeout=20.0):
    deadline = time.monotonic() + timeout
    with connection.cursor() as cursor:
        while time.monotonic() < deadline and thread.is_alive():
            # Inside a transaction PostgreSQL answers from one statistics snapshot unless it is cleared.
            cursor.execute("SELECT pg_stat_clear_snapshot()")
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE pid <> pg_backend_pid() "
                "AND datname = current_database() AND wait_event_type = 'Lock'"
            )
            if cursor.fetchone()[0]:
                return
            time.sleep(0.02)
    response = answer.get("response")
    raise AssertionError(
        f"the autosave never waited for the module: {getattr(response, 'content', b'')[:300]!r}"
    )


def test_an_autosave_that_started_before_a_colleagues_save_is_refused_and_undoes_nothing(
    admin_user, product, market, taxonomy
):
    block = factories.text_block(
        product=product, market=market, title="Intro", publish=False, user=admin_user
    )
    first = block.latest_revision
    content_before = Revision.objects.get(pk=first.pk).content
    author = Client()
    author.force_login(admin_user)
    autosave = form_data(
        {
            "title": "Autosaved intro",
            "body": rich_text("<p>Typed before the colleague saved.</p>"),
            **scope_data(product, market),
            "audiences": [Audience.objects.get(code="hcp").pk],  # ids here do not start at 1
            "loaded_revision_id": first.pk,
            "loaded_revision_created_at": first.created_at.isoformat(),
        }
    )
    answer = {}

    def send_autosave():
        try:
            answer["response"] = author.post(edit_url(block), autosave, HTTP_ACCEPT="application/json")
        finally:
            connection.close()  # the thread's own connection (Django keeps one per thread)

    with transaction.atomic():
        # A colleague's save is under way: it holds the module while the author's autosave arrives.
        held = TextBlock.objects.select_for_update().get(pk=block.pk)
        thread = threading.Thread(target=send_autosave)
        thread.start()
        wait_until_another_session_waits_for_a_lock(thread, answer)
        held.title = "Colleague's intro"
        colleague = held.save_revision(user=factories.UserFactory())
    thread.join(timeout=30)

    response = answer["response"]
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["success"] is False and body["error_code"] == "invalid_revision"
    assert "saved again while your change was on its way" in body["error_message"]
    block.refresh_from_db()
    assert block.latest_revision_id == colleague.pk
    assert block.get_latest_revision_as_object().title == "Colleague's intro"
    assert Revision.objects.get(pk=first.pk).content == content_before
    assert block.revisions.count() == 2
