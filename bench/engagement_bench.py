"""Engagement benchmark: event ingest through the real API view beside a bare COPY and a bare INSERT of
the same rows, and the analytics report pages at 10M events. See bench/RESULTS.md for the last figures.

Runs against DATABASE_URL (PostgreSQL, migrated and seeded with `manage.py seed_demo`). It adds a
bench channel client; its events (the ingest rows and the generated history) are deleted at the end
unless --keep. Tasks are not run in-process (the rollup belongs to the worker), so ingest is timed
as a deployment runs it; the rollup of the generated history is timed on its own.

    DATABASE_URL=postgres://… .venv/bin/python bench/engagement_bench.py [--batches 20] [--events 10000000]
"""

import argparse
import os
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings_bench")
os.environ.setdefault("DELIVERY_RATE_LIMIT", "1000000000/min")

# Start the way a deployed worker does (cms/wsgi.py: Django set up, then start-up objects frozen
# out of the garbage collector), so the in-process requests below cost what they cost in production.
import orjson  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import override_settings  # noqa: E402

import cms.wsgi  # noqa: E402, F401
from delivery.models import PublishedItem  # noqa: E402
from delivery.services import channel_client_create  # noqa: E402
from engagement.models import DailyEngagement, Event, RollupBacklog  # noqa: E402
from engagement.rollup import rollup_all  # noqa: E402
from engagement.services import approved_revisions  # noqa: E402
from engagement.store import COLUMNS  # noqa: E402

NO_TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
TYPES = ["sent", "delivered", "opened", "clicked"]


def bench_client():
    client, token = channel_client_create(
        name=f"engagement bench {time.strftime('%Y-%m-%d %H:%M:%S')}",
        market_codes=["US-en"],
        channel_codes=["email", "edetail", "invitation"],
    )
    return client, token


def target():
    item = PublishedItem.objects.in_force().filter(type="email", markets__code="US-en").first()
    if item is None:
        sys.exit("No approved US email: run `manage.py seed_demo` on this database first.")
    return item, approved_revisions([item.item_id])[(item.item_id, item.approval.revision_id)]


def batches(item, revision, *, count: int, run: str) -> list[list[dict]]:
    start = max(revision.approved_at, datetime.now(UTC) - timedelta(days=1))
    span = (datetime.now(UTC) - start).total_seconds()
    out = []
    for b in range(count):
        events = []
        for n in range(1000):
            moment = start + timedelta(seconds=span * ((b * 1000 + n) % 997) / 997)
            events.append(
                {
                    "event_id": f"{run}-{b}-{n}",
                    "type": TYPES[n % 4],
                    "content_id": item.item_id,
                    "revision_id": revision.revision_id,
                    "channel": "email",
                    "hcp_id": f"bench-hcp-{n % 500}",
                    "occurred_at": moment.isoformat(),
                    "attributes": {"n": n},
                }
            )
        out.append(events)
    return out


def ingest_api(token: str, bodies: list[bytes]) -> float:
    client = Client()
    with override_settings(TASKS=NO_TASKS):
        started = time.perf_counter()
        for body in bodies:
            response = client.post(
                "/api/v1/events",
                data=body,
                content_type="application/json",
                HTTP_AUTHORIZATION=f"Bearer {token}",
            )
            assert response.status_code == 200 and response.json()["stored"] == 1000, response.content[:300]
        return time.perf_counter() - started


def ingest_http(token: str, bodies: list[bytes], warm_up: list[bytes], *, senders: int, args) -> float:
    """The batches POSTed to the product under gunicorn by `senders` concurrent senders (keep-alive
    connections), as channels send them; `warm_up` (one batch per sender) goes first, untimed."""
    import http.client
    from concurrent.futures import ThreadPoolExecutor

    from bench.serve import gunicorn

    def send(share: list[bytes]) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", args.port, timeout=60)
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        for body in share:
            conn.request("POST", "/api/v1/events", body=body, headers=headers)
            response = conn.getresponse()
            answer = response.read()
            assert response.status == 200 and orjson.loads(answer)["stored"] == 1000, answer[:300]
        conn.close()

    # The rollup is queued for the worker (not run), as in a deployment: the database task backend.
    os.environ["BENCH_TASKS_BACKEND"] = "django_tasks_db.DatabaseBackend"
    with gunicorn(port=args.port, workers=args.workers, threads=1), ThreadPoolExecutor(senders) as pool:
        list(pool.map(send, [[body] for body in warm_up]))
        started = time.perf_counter()
        list(pool.map(send, [bodies[n::senders] for n in range(senders)]))
        return time.perf_counter() - started


def stored_rows(client_id: int) -> list[tuple]:
    names = list(COLUMNS)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {', '.join(names)} FROM engagement_event WHERE client_id = %s ORDER BY id", [client_id]
        )
        return cursor.fetchall()


def delete_events(client_id: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM engagement_event WHERE client_id = %s", [client_id])
    RollupBacklog.objects.all().delete()
    # Every phase writes into a clean table: the deleted rows of the last one, left to autovacuum,
    # bloated the indexes run after run (250 MB for 1,000 live rows) and slowed every later phase.
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE) engagement_event")


def bare_copy(rows: list[tuple], *, senders: int = 1) -> float:
    """The same rows with COPY, 1,000 per transaction, from `senders` connections at once: the floor
    of what any ingest can do."""
    from concurrent.futures import ThreadPoolExecutor

    names = list(COLUMNS)
    attributes = names.index("attributes")
    chunks = [rows[start : start + 1000] for start in range(0, len(rows), 1000)]

    def copy(share: list[list[tuple]]) -> None:
        try:
            for chunk in share:
                with transaction.atomic(), connection.cursor() as cursor:
                    with cursor.connection.cursor().copy(
                        f"COPY engagement_event ({', '.join(names)}) FROM STDIN"
                    ) as copy:
                        for row in chunk:
                            row = list(row)
                            row[attributes] = orjson.dumps(row[attributes]).decode()
                            copy.write_row(row)
        finally:
            connection.close()  # this thread's own connection

    with ThreadPoolExecutor(senders) as pool:
        started = time.perf_counter()
        list(pool.map(copy, [chunks[n::senders] for n in range(senders)]))
        return time.perf_counter() - started


def bare_insert(rows: list[tuple]) -> float:
    """The same rows with one multi-row INSERT per 1,000 (Django's bulk_create)."""
    names = list(COLUMNS)
    started = time.perf_counter()
    for start in range(0, len(rows), 1000):
        with transaction.atomic():
            Event.objects.bulk_create(
                [Event(**dict(zip(names, row, strict=True))) for row in rows[start : start + 1000]]
            )
    return time.perf_counter() - started


def run_ingest(args) -> None:
    client, token = bench_client()
    item, revision = target()
    run = f"b{int(time.time())}"
    bodies = [
        orjson.dumps({"events": events}) for events in batches(item, revision, count=args.batches, run=run)
    ]
    total = args.batches * 1000
    # One warm-up batch (connections, caches) outside the timing.
    ingest_api(token, [orjson.dumps({"events": batches(item, revision, count=1, run=run + "w")[0]})])
    delete_events(client.pk)
    api_seconds = ingest_api(token, bodies)
    rows = stored_rows(client.pk)
    assert len(rows) == total
    delete_events(client.pk)
    copy_seconds = bare_copy(rows)
    delete_events(client.pk)
    insert_seconds = bare_insert(rows)
    delete_events(client.pk)
    print(f"ingest: {total} events in {args.batches} batches of 1,000")
    print("one sender, one request at a time (Django's test client in this process):")
    for label, seconds in [
        ("API (POST /api/v1/events)", api_seconds),
        ("bare COPY of the same rows", copy_seconds),
        ("bare bulk INSERT of the same rows", insert_seconds),
    ]:
        print(f"  {label:40} {total / seconds:>9,.0f} events/s ({seconds:.2f} s)")
    print(f"  ratio API / COPY: {api_seconds / copy_seconds:.2f}x")
    print(f"  ratio API / bulk INSERT: {api_seconds / insert_seconds:.2f}x")
    if args.senders:
        warm_up = [
            orjson.dumps({"events": events})
            for events in batches(item, revision, count=args.senders, run=run + "hw")
        ]
        http_bodies = [
            orjson.dumps({"events": events})
            for events in batches(item, revision, count=args.batches, run=run + "h")
        ]
        delete_events(client.pk)
        http_seconds = ingest_http(token, http_bodies, warm_up, senders=args.senders, args=args)
        delete_events(client.pk)
        parallel_copy_seconds = bare_copy(rows, senders=args.senders)
        delete_events(client.pk)
        print(
            f"{args.senders} concurrent senders, HTTP to gunicorn on 127.0.0.1"
            f" ({args.workers} workers × 1 thread):"
        )
        for label, seconds in [
            ("API (POST /api/v1/events)", http_seconds),
            (f"bare COPY, {args.senders} connections", parallel_copy_seconds),
        ]:
            print(f"  {label:40} {total / seconds:>9,.0f} events/s ({seconds:.2f} s)")
        print(f"  ratio API / COPY: {http_seconds / parallel_copy_seconds:.2f}x")
    client.tokens.all().delete()
    client.delete()


GENERATE = """
INSERT INTO engagement_event (client_id, source, event_id, type, content_id, content_type_id, object_id,
    approval_id, revision_id, channel, market, product, hcp_id, specialty, occurred_at, received_at,
    slide, dwell_ms, attributes)
SELECT %(client)s, 'api', 'gen-' || g, t.type, a.content_id, a.content_type_id, a.object_id, a.approval_id,
    a.revision_id, a.channel, a.market, a.product, 'gen-hcp-' || (g %% 20000),
    (ARRAY['cardiology', 'internal-medicine', 'primary-care', ''])[1 + g %% 4],
    now() - ((g %% 7776000) || ' seconds')::interval, now(),
    CASE WHEN t.type = 'slide_viewed' THEN 1 + g %% 12 END,
    CASE WHEN t.type = 'slide_viewed' THEN 1000 + g %% 30000 END, '{}'::jsonb
FROM generate_series(%(first)s, %(last)s) AS g
JOIN bench_targets a ON a.k = g %% %(targets)s
JOIN LATERAL (
    SELECT (ARRAY['sent', 'delivered', 'opened', 'clicked', 'slide_viewed'])[1 + (g / 7) %% 5] AS type
) t ON true
"""


def generate_history(client_id: int, events: int) -> float:
    """`events` rows over the last 90 days for the demo's approved assemblies, with generate_series."""
    items = PublishedItem.objects.in_force().filter(type__in=["email", "edetail", "invitation"])
    revisions = approved_revisions(item.item_id for item in items)
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMP TABLE bench_targets (k int, content_id text, content_type_id int, object_id text,"
            " approval_id bigint, revision_id bigint, channel text, market text, product text)"
        )
        for k, revision in enumerate(revisions.values()):
            cursor.execute(
                "INSERT INTO bench_targets VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
                [
                    k,
                    revision.content_id,
                    revision.content_type_id,
                    revision.object_id,
                    revision.approval_id,
                    revision.revision_id,
                    revision.content_id.split("-")[0],
                    "US-en",
                    revision.products[0] if revision.products else "",
                ],
            )
        started = time.perf_counter()
        step = 1_000_000
        for first in range(1, events + 1, step):
            with transaction.atomic():
                last = min(first + step - 1, events)
                cursor.execute(
                    GENERATE, {"client": client_id, "first": first, "last": last, "targets": len(revisions)}
                )
            print(f"  generated {min(first + step - 1, events):,} events", flush=True)
        cursor.execute(
            "INSERT INTO engagement_rollupbacklog (approval_id, day, touched_at)"
            " SELECT DISTINCT approval_id, (occurred_at AT TIME ZONE 'UTC')::date, now()"
            " FROM engagement_event WHERE client_id = %s ON CONFLICT (approval_id, day) DO NOTHING",
            [client_id],
        )
        cursor.execute("DROP TABLE bench_targets")
        cursor.execute("ANALYZE engagement_event")
    return time.perf_counter() - started


def page_times(client: Client, url: str, repeat: int = 7) -> list[float]:
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        response = client.get(url)
        timings.append(time.perf_counter() - started)
        assert response.status_code == 200, response.status_code
    return timings


def run_pages(args) -> None:
    client, _token = bench_client()
    print(f"analytics at {args.events:,} generated events (plus whatever the database held)")
    seconds = generate_history(client.pk, args.events)
    print(f"  generate_series insert: {seconds:.1f} s ({args.events / seconds:,.0f} rows/s)")
    started = time.perf_counter()
    buckets = rollup_all()
    print(f"  rollup of {buckets} (approval, day) buckets: {time.perf_counter() - started:.1f} s")
    print(f"  events in the store: {Event.objects.count():,}")
    print(f"  aggregate rows: {DailyEngagement.objects.count():,}")
    browser = Client()
    browser.force_login(get_user_model().objects.filter(is_superuser=True).first())
    email = PublishedItem.objects.in_force().filter(type="email").first()
    for label, url in [
        ("assemblies report", "/admin/engagement/assemblies/"),
        ("one assembly report", f"/admin/engagement/assemblies/{email.item_id}/"),
        ("one assembly, CSV", f"/admin/engagement/assemblies/{email.item_id}/?export=csv"),
        ("module reuse report", "/admin/engagement/modules/"),
    ]:
        timings = page_times(browser, url)
        print(
            f"  {label}: median {statistics.median(timings) * 1000:.0f} ms, max {max(timings) * 1000:.0f} ms"
        )
    if not args.keep:
        started = time.perf_counter()
        with connection.cursor() as cursor:
            # Buckets of these approvals are rebuilt from the events left by the next rollup.
            cursor.execute(
                "INSERT INTO engagement_rollupbacklog (approval_id, day, touched_at) SELECT approval_id,"
                " day, now() FROM engagement_dailyengagement ON CONFLICT (approval_id, day) DO NOTHING"
            )
            cursor.execute("DELETE FROM engagement_event WHERE client_id = %s", [client.pk])
        rollup_all()
        print(
            f"  deleted the generated events, rebuilt the aggregate ({time.perf_counter() - started:.0f} s)"
        )
        client.tokens.all().delete()
        client.delete()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--batches", type=int, default=20, help="1,000-event batches to ingest (default 20)")
    parser.add_argument(
        "--events", type=int, default=10_000_000, help="generated history for the page timing"
    )
    parser.add_argument(
        "--senders", type=int, default=2, help="concurrent HTTP senders for the gunicorn run (0: skip it)"
    )
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--skip-ingest", action="store_true")
    parser.add_argument("--skip-pages", action="store_true")
    parser.add_argument("--keep", action="store_true", help="keep the generated history")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("Run against PostgreSQL (DATABASE_URL=postgres://…).")
    with open("/proc/loadavg") as load:
        print(f"load average at start: {' '.join(load.read().split()[:3])}")
    if not args.skip_ingest:
        run_ingest(args)
    if not args.skip_pages:
        run_pages(args)


if __name__ == "__main__":
    main()
