"""Compliance pull log: content responses recorded in batches (never per request), and the admin report."""

import threading
import time

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from delivery import pulls
from delivery.models import Pull, PullSubject
from review.models import ApprovalRecord


def item_id(obj) -> str:
    return f"{obj._meta.model_name}-{obj.pk}"


def test_pulls_are_buffered_then_written_in_one_batch_and_reported(
    api, admin_client, us_client, us_email, settings
):
    settings.DELIVERY_PULL_LOG_BATCH = 1000
    settings.DELIVERY_PULL_LOG_SECONDS = 3600
    api.get(f"/api/v1/content/{item_id(us_email)}")
    api.get(f"/api/v1/content/{item_id(us_email)}/render/txt")
    etag = api.get(f"/api/v1/content/{item_id(us_email)}/render/txt")["ETag"]
    api.get(f"/api/v1/content/{item_id(us_email)}/render/txt", HTTP_IF_NONE_MATCH=etag)  # 304: nothing sent
    api.get("/api/v1/content/email-999999")  # 404: nothing sent
    assert not Pull.objects.exists()  # no request wrote to the database
    assert pulls.pending() == 3
    assert pulls.flush() == 3
    rows = list(
        Pull.objects.order_by("pk").values_list(
            "subject__client__name", "subject__item_id", "subject__render", "subject__revision_id"
        )
    )
    revision = us_email.live_revision_id
    assert rows == [
        ("US email platform", item_id(us_email), "", revision),
        ("US email platform", item_id(us_email), "txt", revision),
        ("US email platform", item_id(us_email), "txt", revision),
    ]
    report = admin_client.get("/admin/delivery/pulls/").content.decode()
    assert "US email platform" in report and item_id(us_email) in report


def test_a_full_batch_is_written_when_a_request_finishes(api, us_email, settings):
    settings.DELIVERY_PULL_LOG_BATCH = 2
    api.get(f"/api/v1/content/{item_id(us_email)}")
    assert Pull.objects.count() == 0
    api.get(f"/api/v1/content/{item_id(us_email)}")
    assert Pull.objects.count() == 2  # written after the second response went out


@pytest.mark.django_db(transaction=True)
def test_as_deployed_the_batch_is_written_by_the_writer_thread_not_a_request(
    api, us_email, settings, monkeypatch
):
    settings.DELIVERY_PULL_LOG_IN_BACKGROUND = True
    settings.DELIVERY_PULL_LOG_BATCH = 2
    writers, write = [], pulls._write

    def spy(rows):
        writers.append(threading.current_thread())
        write(rows)

    monkeypatch.setattr(pulls, "_write", spy)
    api.get(f"/api/v1/content/{item_id(us_email)}")
    api.get(f"/api/v1/content/{item_id(us_email)}")
    deadline = time.monotonic() + 15
    while Pull.objects.count() < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert Pull.objects.count() == 2 and pulls.pending() == 0
    assert [thread.name for thread in writers] == ["pull-log"]
    assert threading.current_thread() not in writers


@pytest.mark.django_db(transaction=True)
def test_as_deployed_a_record_is_written_when_it_comes_of_age_with_no_request_after_it(
    api, us_email, settings
):
    settings.DELIVERY_PULL_LOG_IN_BACKGROUND = True
    settings.DELIVERY_PULL_LOG_BATCH = 1000
    settings.DELIVERY_PULL_LOG_SECONDS = 0.3
    assert api.get(f"/api/v1/content/{item_id(us_email)}").status_code == 200
    deadline = time.monotonic() + 15  # the last pull of a quiet hour is not left in memory
    while not Pull.objects.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert list(Pull.objects.values_list("subject__item_id", flat=True)) == [item_id(us_email)]
    assert pulls.pending() == 0


def test_pulls_of_one_subject_share_it(api, us_client, us_email, settings):
    settings.DELIVERY_PULL_LOG_BATCH = 1000
    for _ in range(3):
        api.get(f"/api/v1/content/{item_id(us_email)}")
    api.get(f"/api/v1/content/{item_id(us_email)}/render/txt")
    assert pulls.flush() == 4
    api.get(f"/api/v1/content/{item_id(us_email)}")  # a later batch: the same subject again
    assert pulls.flush() == 1
    assert PullSubject.objects.count() == 2  # the JSON detail and the txt render
    detail = PullSubject.objects.get(render="")
    assert (detail.client, detail.item_id, detail.revision_id) == (
        us_client[0],
        item_id(us_email),
        us_email.live_revision_id,
    )
    assert detail.pulls.count() == 4


@pytest.mark.django_db(transaction=True)
def test_migration_gives_every_existing_pull_record_its_subject_and_keeps_its_time(us_client, us_email):
    channel, _token = us_client
    token = channel.tokens.get()
    approval = ApprovalRecord.objects.current().for_object(us_email).get()
    times = [timezone.now() - timezone.timedelta(days=n) for n in range(3)]
    executor = MigrationExecutor(connection)
    executor.migrate([("delivery", "0006_read_cache_notify")])
    old = [  # two detail pulls by the token, a render pull, and one whose token was deleted (NULL)
        (token.pk, "", times[0]),
        (token.pk, "", times[1]),
        (token.pk, "pdf", times[2]),
        (None, "", times[2]),
    ]
    with connection.cursor() as cursor:
        for token_id, render, pulled_at in old:
            cursor.execute(
                "INSERT INTO delivery_pull (client_id, token_id, approval_id, revision_id, item_id, render,"
                " pulled_at) VALUES (%s, %s, %s, %s, %s, %s, %s)",
                [channel.pk, token_id, approval.pk, 7, "email-1", render, pulled_at],
            )
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
    rows = Pull.objects.order_by("pulled_at", "subject__render", "subject__token_id").values_list(
        "subject__client_id",
        "subject__token_id",
        "subject__approval_id",
        "subject__revision_id",
        "subject__item_id",
        "subject__render",
        "pulled_at",
    )
    assert sorted(rows, key=str) == sorted(
        [(channel.pk, t, approval.pk, 7, "email-1", r, at) for t, r, at in old], key=str
    )
    assert PullSubject.objects.count() == 3


def test_admin_delivery_screens_render(admin_client, us_client):
    channel, _ = us_client
    for url in (
        "/admin/delivery_channelclient/",
        f"/admin/delivery_channelclient/edit/{channel.pk}/",
        "/admin/delivery_webhooksubscription/",
        "/admin/delivery_webhooksubscription/new/",
        "/admin/delivery_webhookdelivery/",
        "/admin/delivery/pulls/",
    ):
        assert admin_client.get(url).status_code == 200, url
    # Deliveries come from the change feed only: there is no add screen (see test_webhooks.py).
    assert admin_client.get("/admin/delivery_webhookdelivery/new/").status_code == 404
