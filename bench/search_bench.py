"""Search benchmark: 100,000 synthetic approved modules; reindex vs raw bulk, API vs direct search,
approval/withdrawal latency. See bench/RESULTS.md for the command and the last figures.

Synthetic modules are bulk-inserted as approved revisions with approval records (no review workflow:
100k workflows would take hours); the latency samples go through the real workflow and outbox.
"""

import argparse
import os
import random
import sys
import time
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cms.settings.test")
os.environ.setdefault("SEARCH_INDEX_PREFIX", "bench-")
os.environ.setdefault("EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.contenttypes.models import ContentType  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.test import Client, override_settings  # noqa: E402
from django.utils import timezone  # noqa: E402
from elasticsearch import helpers  # noqa: E402
from wagtail.models import Revision  # noqa: E402

from modules.models import Audience, Channel, Market, Product, Specialty, TextBlock  # noqa: E402
from review import roles  # noqa: E402
from review.models import ApprovalRecord  # noqa: E402
from review.services import content_withdraw  # noqa: E402
from search.access import SearchAccess  # noqa: E402
from search.builder import DocumentBuilder, Taxonomy, approval_rows  # noqa: E402
from search.conf import client  # noqa: E402
from search.index import ApprovedContentIndex  # noqa: E402
from search.mapping import index_body, synonym_rules  # noqa: E402
from search.query import SearchRequest, compile_search  # noqa: E402
from search.rebuild import search_index_rebuild  # noqa: E402

WORDS = (
    "reduces stroke risk bleeding events dosing renal hepatic adherence patients trial efficacy safety "
    "once daily tablet anticoagulation atrial fibrillation outcomes hospital visits elderly switching "
    "monitoring interaction label warning contraindicated pregnancy support programme savings access"
).split()


def pct(samples, p):
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def taxonomy():
    products = [
        Product.objects.get_or_create(
            code=f"BENCH{n}",
            defaults={
                "brand_name": f"Benchozen{n}",
                "generic_name": f"benchatide{n}",
                "therapeutic_area": "Cardiology",
            },
        )[0]
        for n in range(5)
    ]
    markets = [
        Market.objects.get_or_create(code=c, defaults={"country": c[:2], "language": c[3:], "name": c})[0]
        for c in ("US-en", "GB-en", "DE-de")
    ]
    channels = [
        Channel.objects.get_or_create(code=c, defaults={"name": c})[0] for c in ("email", "edetail", "web")
    ]
    audiences = [Audience.objects.get_or_create(code=c, defaults={"name": c})[0] for c in ("hcp", "patient")]
    specialties = [
        Specialty.objects.get_or_create(code=c, defaults={"name": c})[0] for c in ("cardiology", "oncology")
    ]
    return products, markets, channels, audiences, specialties


def load_synthetic(count: int) -> None:
    existing = ApprovalRecord.objects.filter(job_code__startswith="BENCH-").count()
    if existing >= count:
        print(f"{existing} synthetic approvals already loaded")
        return
    products, markets, channels, audiences, specialties = taxonomy()
    rng = random.Random(42)
    ct = ContentType.objects.get_for_model(TextBlock)
    base = ContentType.objects.get_by_natural_key("modules", "module")
    now = timezone.now()
    started = time.perf_counter()
    for start in range(existing, count, 5000):
        stop = min(count, start + 5000)
        revisions = []
        for n in range(start, stop):
            title = " ".join(rng.choice(WORDS) for _ in range(4)).capitalize()
            body = "<p>" + " ".join(rng.choice(WORDS) for _ in range(40)) + ".</p>"
            content = {
                "pk": 10_000_000 + n,
                "title": title,
                "body": body,
                "products": [rng.choice(products).pk],
                "markets": [rng.choice(markets).pk],
                "channels": [c.pk for c in rng.sample(channels, 2)],
                "audiences": [rng.choice(audiences).pk],
                "specialties": [rng.choice(specialties).pk] if n % 3 == 0 else [],
                "indications": [],
            }
            revisions.append(
                Revision(
                    content_type=ct,
                    base_content_type=base,
                    object_id=str(10_000_000 + n),
                    object_str=title,
                    content=content,
                    created_at=now,
                )
            )
        revisions = Revision.objects.bulk_create(revisions)
        ApprovalRecord.objects.bulk_create(
            ApprovalRecord(
                revision=r,
                base_content_type=base,
                content_type=ct,
                object_id=r.object_id,
                object_title=r.object_str,
                content_hash=f"{r.pk:064x}",
                job_code=f"BENCH-{r.object_id}",
                approved_at=now,
                expires_at=now + timezone.timedelta(days=365),
            )
            for r in revisions
        )
        print(f"\rloaded {stop}/{count}", end="", file=sys.stderr)
    print(f"\nloaded {count - existing} synthetic approvals in {time.perf_counter() - started:.0f}s")


def bench_reindex() -> dict:
    report = search_index_rebuild()
    es = client()
    # Raw: the same documents, built beforehand, sent with helpers.bulk into a scratch index.
    approvals = list(approval_rows(ApprovalRecord.objects.in_force().order_by("pk")))
    documents = DocumentBuilder(Taxonomy.load()).build(approvals)
    actions = [
        {
            "_index": "bench-raw",
            "_id": d.id,
            "version": a.revision_id,
            "version_type": "external",
            "_source": d.source,
        }
        for a, d in zip(approvals, documents, strict=True)
    ]
    es.indices.delete(index="bench-raw", ignore_unavailable=True)
    body = index_body(synonym_rules(Product.objects.all()))
    body["settings"]["refresh_interval"] = "-1"
    es.indices.create(index="bench-raw", **body)
    started = time.perf_counter()
    helpers.bulk(es, actions, chunk_size=1000)
    es.indices.refresh(index="bench-raw")
    raw_seconds = time.perf_counter() - started
    es.indices.delete(index="bench-raw")
    return {
        "reindex_rate": report.rate,
        "raw_rate": len(actions) / raw_seconds,
        "ratio": report.seconds / raw_seconds,
        "docs": report.indexed,
    }


def bench_search(queries: int) -> dict:
    from tests.factories import UserFactory

    admin = UserFactory(username=f"bench-admin-{time.time_ns()}", is_superuser=True)
    api = Client()
    api.force_login(admin)
    es, alias, rng = client(), ApprovedContentIndex().alias, random.Random(7)
    api_ms, direct_ms = [], []
    for n in range(queries + 20):
        q = " ".join(rng.sample(WORDS, 2))
        params = {"q": q, "page_size": 20}
        if n % 2:
            params["market"] = "US-en"
        request = SearchRequest(q=q, filters={"market": ("US-en",)} if n % 2 else {}, page_size=20)
        body = compile_search(request, SearchAccess.unrestricted(), timezone.now())
        t0 = time.perf_counter()
        response = api.get("/api/v1/search", params)
        t1 = time.perf_counter()
        es.search(index=alias, **body)
        t2 = time.perf_counter()
        assert response.status_code == 200, response.content
        if n >= 20:  # warm-up
            api_ms.append((t1 - t0) * 1000)
            direct_ms.append((t2 - t1) * 1000)
    return {
        "api_p50": pct(api_ms, 50),
        "api_p95": pct(api_ms, 95),
        "direct_p50": pct(direct_ms, 50),
        "direct_p95": pct(direct_ms, 95),
        "ratio_p95": pct(api_ms, 95) / pct(direct_ms, 95),
    }


def bench_latency(samples: int) -> dict:
    from tests import factories

    product, market = Product.objects.get(code="BENCH0"), Market.objects.get(code="US-en")
    admin = factories.UserFactory(username=f"bench-latency-{time.time_ns()}", is_superuser=True)
    api = Client()
    api.force_login(admin)
    withdrawer = factories.reviewer(roles.REGULATORY)
    visible, gone, index_gone = [], [], []
    es, alias = client(), ApprovedContentIndex().alias

    def found(job_code):
        return any(
            r["job_code"] == job_code for r in api.get("/api/v1/search", {"q": job_code}).json()["results"]
        )

    for n in range(samples):
        block = factories.text_block(
            product=product, market=market, title=f"Latency probe {n} {time.time_ns()}"
        )
        record = ApprovalRecord.objects.in_force().get(object_id=str(block.pk))
        while not found(record.job_code):
            time.sleep(0.01)
        visible.append((time.time() - record.approved_at.timestamp()) * 1000)
        started = time.time()
        content_withdraw(obj=block, user=withdrawer, reason="bench")
        while found(record.job_code):
            time.sleep(0.01)
        gone.append((time.time() - started) * 1000)
        query = {"term": {"job_code": record.job_code}}
        while es.count(index=alias, query=query)["count"]:
            time.sleep(0.01)
        index_gone.append((time.time() - started) * 1000)
    return {"visible_p99": pct(visible, 99), "gone_p99": pct(gone, 99), "index_gone_p99": pct(index_gone, 99)}


def bench_latency_through_worker(samples: int, interval: float) -> dict:
    """The same samples with the database task queue and a real `run_worker`, as under make run."""
    import subprocess

    from django.db import connection
    from django.test.utils import override_settings

    db = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "cms.settings.dev",
        "DATABASE_URL": f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "TASKS_BACKEND": "django_tasks_db.DatabaseBackend",
    }
    root = Path(__file__).resolve().parents[1]
    worker = subprocess.Popen(
        [sys.executable, "manage.py", "run_worker", "--no-startup-delay", "--interval", str(interval)]
        + ["--summary-every", "3600"],
        cwd=root,
        env=env,
    )
    try:
        with override_settings(TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}):
            bench_latency(2)  # warm-up: the worker's start (Django set-up) is not approval latency
            return bench_latency(samples)
    finally:
        worker.terminate()
        worker.wait(30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--modules", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=500)
    parser.add_argument("--latency-samples", type=int, default=50)
    parser.add_argument(
        "--worker-interval",
        type=float,
        default=None,
        help="Also measure latency through the database queue and a real run_worker polling this often (s).",
    )
    args = parser.parse_args()
    with unthrottled_search():
        run(args)


@contextmanager
def unthrottled_search():
    """The bench searches far faster than a rep's SEARCH_API_RATE allows (it would measure HTTP 429s)."""
    rest = settings.REST_FRAMEWORK
    rates = {**rest["DEFAULT_THROTTLE_RATES"], "search": "100000000/minute"}
    with override_settings(REST_FRAMEWORK={**rest, "DEFAULT_THROTTLE_RATES": rates}):
        yield


def run(args) -> None:
    call_command("migrate", verbosity=0)
    load_synthetic(args.modules)
    ApprovedContentIndex().setup()
    r = bench_reindex()
    print(
        f"reindex: {r['docs']} docs, {r['reindex_rate']:.0f} docs/s; raw helpers.bulk of the same documents "
        f"{r['raw_rate']:.0f} docs/s; reindex time / raw time = {r['ratio']:.2f}"
    )
    s = bench_search(args.queries)
    print(
        f"search ({args.queries} queries): API p50 {s['api_p50']:.1f} ms, p95 {s['api_p95']:.1f} ms; "
        f"direct ES p50 {s['direct_p50']:.1f} ms, p95 {s['direct_p95']:.1f} ms; "
        f"p95 ratio {s['ratio_p95']:.2f}"
    )
    lat = bench_latency(args.latency_samples)
    print(
        f"latency ({args.latency_samples} samples): approval -> searchable p99 {lat['visible_p99']:.0f} ms; "
        f"withdrawal -> gone from API p99 {lat['gone_p99']:.0f} ms, "
        f"from the index p99 {lat['index_gone_p99']:.0f} ms"
    )
    if args.worker_interval is not None:
        lat = bench_latency_through_worker(args.latency_samples, args.worker_interval)
        print(
            f"latency through run_worker --interval {args.worker_interval:g} "
            f"({args.latency_samples} samples): "
            f"approval -> searchable p99 {lat['visible_p99']:.0f} ms; withdrawal -> gone from API p99 "
            f"{lat['gone_p99']:.0f} ms, from the index p99 {lat['index_gone_p99']:.0f} ms"
        )


if __name__ == "__main__":
    main()
