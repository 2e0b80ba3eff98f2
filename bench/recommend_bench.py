"""Next-best-content benchmark: `suggest()` latency for one HCP at 100,000 approved items and 1,000,000
events, beside a baseline in the same run (the bare read of the HCP's top-K neighbour rows, without the
blend, the recent-approvals query or the read-time approval check). See bench/RESULTS.md.

Items are the synthetic approvals of bench/search_bench.py (bulk-inserted, no review workflow), indexed
once. HCPs and events are generated in PostgreSQL with one INSERT … SELECT each (specialties with
preferred slices of the catalogue, a popularity skew, dates over 90 days). The tables are computed by
the product's own refresh (`recommendations_refresh`), timed.

    .venv/bin/python bench/recommend_bench.py                                  # 100k items, 1M events
    .venv/bin/python bench/recommend_bench.py --items 2000 --events 20000      # a quick run
"""

import argparse
import os
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("SEARCH_INDEX_PREFIX", "bench-nbc-")

from bench.search_bench import load_synthetic, pct, taxonomy  # noqa: E402, I001 (sets Django up first)
from django.contrib.contenttypes.models import ContentType  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from engagement.models import CoEngagement, Event, RecommendationRun  # noqa: E402
from engagement.recommend import SEED_ITEMS  # noqa: E402
from engagement.recommendations import recommendations_refresh  # noqa: E402
from engagement.suggestions import hcp_history, suggest  # noqa: E402
from modules.models import TextBlock  # noqa: E402
from reps.models import HCP, TerritoryAssignment  # noqa: E402
from search.conf import client  # noqa: E402
from search.index import ApprovedContentIndex  # noqa: E402
from search.rebuild import search_index_rebuild  # noqa: E402
from search.services import rep_scope_set  # noqa: E402

TERRITORY = 300  # HCPs of the bench rep, the ones sampled


def load_hcps(count: int) -> None:
    existing = HCP.objects.filter(email__endswith="@bench-nbc.example").count()
    if existing >= count:
        return
    _, markets, _, _, specialties = taxonomy()
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO reps_hcp (name, specialty_id, market_id, email, pseudonym, consent, consent_source,
                                  external_id)
            SELECT 'Dr Bench ' || n, (ARRAY[%s, %s])[1 + n %% 2], %s, 'hcp-' || n || '@bench-nbc.example',
                   md5('bench-nbc-' || n)::uuid, 'given', 'bench', ''
            FROM generate_series(%s, %s) AS n
            """,
            [specialties[0].pk, specialties[1].pk, markets[0].pk, existing, count - 1],
        )
    print(f"loaded {count - existing} HCPs")


def load_events(count: int, hcps: int, items: int) -> None:
    existing = Event.objects.filter(event_id__startswith="bench-nbc-").count()
    if existing >= count:
        print(f"{existing} events already loaded")
        return
    started = time.perf_counter()
    content_type = ContentType.objects.get_for_model(TextBlock)
    slice_size = max(1, items // 40)  # each specialty prefers 20 slices of the catalogue
    with connection.cursor() as cursor:
        cursor.execute(
            """
            WITH approvals AS (
                SELECT id, object_id, revision_id, row_number() OVER (ORDER BY id) - 1 AS rn
                FROM review_approvalrecord WHERE job_code LIKE 'BENCH-%%' AND status = 'approved'
            ), hcps AS (
                SELECT pseudonym::text AS hcp_id, s.code AS specialty,
                       row_number() OVER (ORDER BY h.id) - 1 AS hn
                FROM reps_hcp h JOIN modules_specialty s ON s.id = h.specialty_id
                WHERE h.email LIKE '%%@bench-nbc.example'
            ), draws AS (
                SELECT n, (n * 7919) %% %(hcps)s AS hn,
                       CASE WHEN random() < 0.6
                            -- taste: a slice the HCP's specialty (hn %% 2) prefers, popular items first
                            THEN ((((n * 31) %% 20) * 2 + (n * 7919) %% %(hcps)s %% 2) * %(slice)s
                                  + floor(power(random(), 2) * %(slice)s))::bigint %% %(items)s
                            ELSE floor(power(random(), 3) * %(items)s)::bigint
                       END AS rn,
                       (ARRAY['opened', 'opened', 'clicked', 'slide_viewed', 'sent'])
                           [1 + floor(random() * 5)] AS type,
                       now() - random() * interval '90 days' AS at
                FROM generate_series(%(start)s::bigint, %(stop)s::bigint) AS n
            )
            INSERT INTO engagement_event (client_id, source, event_id, type, content_id, content_type_id,
                object_id, approval_id, revision_id, channel, market, product, hcp_id, specialty,
                occurred_at, received_at, slide, dwell_ms, attributes)
            SELECT NULL, 'portal', 'bench-nbc-' || d.n, d.type, 'textblock-' || a.object_id, %(ct)s,
                   a.object_id, a.id, a.revision_id, 'email', 'US-en', 'BENCH0', h.hcp_id, h.specialty,
                   d.at, d.at,
                   CASE WHEN d.type = 'slide_viewed' THEN 1 END,
                   CASE WHEN d.type = 'slide_viewed' THEN floor(random() * 60000)::int END,
                   '{}'::jsonb
            FROM draws d JOIN approvals a ON a.rn = d.rn JOIN hcps h ON h.hn = d.hn
            """,
            {
                "hcps": hcps,
                "items": items,
                "slice": slice_size,
                "start": existing,
                "stop": count - 1,
                "ct": content_type.pk,
            },
        )
        cursor.execute("ANALYZE engagement_event")
    print(f"loaded {count - existing} events in {time.perf_counter() - started:.0f}s")


def bench_rep():
    from tests.factories import UserFactory

    rep = UserFactory(username=f"bench-nbc-rep-{time.time_ns()}")
    rep_scope_set(
        user=rep, market_codes=["US-en", "GB-en", "DE-de"], channel_codes=["email", "edetail", "web"]
    )
    hcps = list(HCP.objects.filter(email__endswith="@bench-nbc.example").order_by("pk")[:TERRITORY])
    TerritoryAssignment.objects.bulk_create(TerritoryAssignment(rep=rep, hcp=hcp) for hcp in hcps)
    return rep, hcps


def neighbour_rows(hcp, items) -> list:
    """The baseline: the stored top-K neighbours of the HCP's seed items, read bare (no history read,
    no blend, no approval check)."""
    rows = CoEngagement.objects.filter(specialty__in=[hcp.specialty.code, ""], item__in=items)
    return list(rows.values_list("item", "neighbour", "score").order_by())


def bench_suggest(samples: int) -> dict:
    rep, hcps = bench_rep()
    rng = random.Random(5)
    suggest_ms, bare_ms, found = [], [], []
    for n in range(samples + 20):
        hcp = HCP.objects.select_related("market", "specialty").get(pk=rng.choice(hcps).pk)
        items = hcp_history(hcp, now=timezone.now()).in_order(SEED_ITEMS)
        t0 = time.perf_counter()
        suggestions = suggest(hcp, rep, 5)
        t1 = time.perf_counter()
        neighbour_rows(hcp, items)
        t2 = time.perf_counter()
        if n >= 20:  # warm-up
            suggest_ms.append((t1 - t0) * 1000)
            bare_ms.append((t2 - t1) * 1000)
            found.append(len(suggestions))
    return {
        "suggest": (pct(suggest_ms, 50), pct(suggest_ms, 95)),
        "bare": (pct(bare_ms, 50), pct(bare_ms, 95)),
        "mean_found": sum(found) / len(found),
        "full_lists": sum(1 for f in found if f == 5),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--hcps", type=int, default=None, help="default: one per 100 events")
    parser.add_argument("--samples", type=int, default=300)
    parser.add_argument(
        "--reuse-tables", action="store_true", help="skip the refresh when an earlier run left the tables"
    )
    args = parser.parse_args()
    hcps = args.hcps or max(TERRITORY, args.events // 100)
    call_command("migrate", verbosity=0)
    load_synthetic(args.items)
    index = ApprovedContentIndex()
    index.setup()
    if client().count(index=index.alias)["count"] < args.items:
        report = search_index_rebuild()
        print(f"indexed {report.indexed} documents")
    load_hcps(hcps)
    load_events(args.events, hcps, args.items)
    if not (args.reuse_tables and RecommendationRun.objects.exists()):
        started = time.perf_counter()
        run = recommendations_refresh(window_days=365)
        print(
            f"refresh: {run.events} events of {run.hcps} HCPs on {run.items} items → {run.neighbour_rows} "
            f"neighbour rows, {run.popularity_rows} popularity rows in {time.perf_counter() - started:.0f} s"
        )
    r = bench_suggest(args.samples)
    print(
        f"suggest() for one HCP ({args.samples} samples, {args.items} items, {args.events} events): "
        f"p50 {r['suggest'][0]:.1f} ms, p95 {r['suggest'][1]:.1f} ms; "
        f"bare top-K read p50 {r['bare'][0]:.1f} ms, p95 {r['bare'][1]:.1f} ms; "
        f"p95 ratio {r['suggest'][1] / r['bare'][1]:.1f}; "
        f"{r['mean_found']:.1f} suggestions on average, {r['full_lists']}/{args.samples} full lists of 5"
    )


if __name__ == "__main__":
    main()
