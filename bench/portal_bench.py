"""Rep portal benchmark: the server-rendered search page in an HCP's context at 100k indexed items,
beside the search API and the same query sent straight to Elasticsearch. See bench/RESULTS.md.

Reuses the synthetic approvals of bench/search_bench.py (bulk-inserted, no review workflow).
"""

import argparse
import os
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("SEARCH_INDEX_PREFIX", "bench-reps-")

from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

from bench.search_bench import WORDS, load_synthetic, pct, taxonomy  # noqa: E402 (sets Django up)
from reps.models import HCP, TerritoryAssignment  # noqa: E402
from search.conf import client  # noqa: E402
from search.index import ApprovedContentIndex  # noqa: E402
from search.query import SearchRequest, compile_search  # noqa: E402
from search.rebuild import search_index_rebuild  # noqa: E402
from search.selectors import access_for_user  # noqa: E402
from search.services import rep_scope_set  # noqa: E402


def bench_rep():
    from tests.factories import UserFactory

    _, markets, channels, _, specialties = taxonomy()
    rep = UserFactory(username=f"bench-rep-{time.time_ns()}")
    rep_scope_set(user=rep, market_codes=[m.code for m in markets], channel_codes=[c.code for c in channels])
    hcp = HCP.objects.create(
        name="Dr Bench",
        email=f"bench-{time.time_ns()}@clinic.example",
        market=markets[0],
        specialty=specialties[0],
        consent=HCP.CONSENT_GIVEN,
    )
    TerritoryAssignment.objects.create(rep=rep, hcp=hcp)
    return rep, hcp


def bench_portal(queries: int) -> dict:
    rep, hcp = bench_rep()
    browser = Client()
    browser.force_login(rep)
    es, alias, rng = client(), ApprovedContentIndex().alias, random.Random(11)
    access = access_for_user(rep)
    portal_ms, api_ms, direct_ms = [], [], []
    for n in range(queries + 20):
        q = " ".join(rng.sample(WORDS, 2))
        request = SearchRequest(
            q=q, filters={"market": (hcp.market.code,)}, specialties=(hcp.specialty.code,), page_size=20
        )
        body = compile_search(request, access, timezone.now())
        t0 = time.perf_counter()
        page = browser.get("/reps/", {"hcp": hcp.pk, "q": q})
        t1 = time.perf_counter()
        api = browser.get(
            "/api/v1/search", {"q": q, "market": hcp.market.code, "specialty": hcp.specialty.code}
        )
        t2 = time.perf_counter()
        es.search(index=alias, **body)
        t3 = time.perf_counter()
        assert page.status_code == 200 and api.status_code == 200, (page.content[:500], api.content[:500])
        if n >= 20:  # warm-up
            portal_ms.append((t1 - t0) * 1000)
            api_ms.append((t2 - t1) * 1000)
            direct_ms.append((t3 - t2) * 1000)
    return {
        name: (pct(v, 50), pct(v, 95))
        for name, v in (("portal", portal_ms), ("api", api_ms), ("direct", direct_ms))
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--modules", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=300)
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    load_synthetic(args.modules)
    index = ApprovedContentIndex()
    index.setup()
    if client().count(index=index.alias)["count"] < args.modules:
        report = search_index_rebuild()
        print(f"indexed {report.indexed} documents")
    r = bench_portal(args.queries)
    print(
        f"portal search page ({args.queries} queries, HCP context): p50 {r['portal'][0]:.1f} ms, "
        f"p95 {r['portal'][1]:.1f} ms; API p50 {r['api'][0]:.1f} / p95 {r['api'][1]:.1f} ms; "
        f"direct ES p50 {r['direct'][0]:.1f} / p95 {r['direct'][1]:.1f} ms; "
        f"portal p95 / direct p95 {r['portal'][1] / r['direct'][1]:.2f}"
    )


if __name__ == "__main__":
    main()
