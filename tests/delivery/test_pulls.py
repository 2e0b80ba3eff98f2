"""Compliance pull log: content responses recorded in batches (never per request), and the admin report."""

import threading
import time

import pytest

from delivery import pulls
from delivery.models import Pull


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
    rows = list(Pull.objects.order_by("pk").values_list("client__name", "item_id", "render", "revision_id"))
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
    assert list(Pull.objects.values_list("item_id", flat=True)) == [item_id(us_email)]
    assert pulls.pending() == 0


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
