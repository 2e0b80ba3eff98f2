"""Delivery benchmark: asset detail JSON under granian (or gunicorn) at 32 concurrent clients (wrk)
beside a bare Django view returning the same stored JSON; change-feed throughput over 100k events;
CLM render cache hit vs miss for a 20-slide e-detail. See bench/RESULTS.md for the command and the
last figures.

Runs against DATABASE_URL (seeded with `manage.py seed_demo`); it adds a bench client, 100k feed
events on one item (deleted at the end) and a 20-slide e-detail approved through the real workflow.
"""

import argparse
import hashlib
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings_bench")
os.environ.setdefault("DELIVERY_RATE_LIMIT", "1000000000/min")
# Persistent database connections, as cms/settings/production.py has them: with the test settings'
# default (0) every API request opened a new PostgreSQL connection, which the bare view never does.
os.environ.setdefault("DATABASE_CONN_MAX_AGE", "60")
os.environ.setdefault("EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.test import Client  # noqa: E402

from bench.serve import SERVERS, serving  # noqa: E402
from delivery import feed  # noqa: E402
from delivery.models import FeedEvent, PublishedItem, RenderManifestEntry  # noqa: E402
from delivery.renders import _cache_path, approved_render  # noqa: E402
from delivery.services import channel_client_create  # noqa: E402
from modules.models import EDetail, Email, Module, Slide, SlidePlacement  # noqa: E402
from review.models import ApprovalRecord  # noqa: E402

# wrk's load threads: as many as the machine has cores (wrk's own advice), each driving its share
# of the 32 connections; WRK_THREADS overrides (earlier results used 4).
WRK_THREADS = int(os.environ.get("WRK_THREADS", os.cpu_count() or 2))
RESULT = re.compile(r"RESULT (.*)")


def bench_client() -> str:
    _client, token = channel_client_create(
        name=f"bench {time.strftime('%Y-%m-%d %H:%M:%S')}",
        market_codes=["US-en", "GB-en"],
        channel_codes=["email", "edetail", "invitation", "web"],
    )
    return token


def wrk(url: str, token: str, *, seconds: int, connections: int) -> dict:
    """wrk's figures for one run, with `spread`: the connections each server process held 1 s in."""
    run = subprocess.Popen(
        [
            "wrk",
            f"-t{WRK_THREADS}",
            f"-c{connections}",
            f"-d{seconds}s",
            "-s",
            str(ROOT / "bench" / "p95.lua"),
            "-H",
            f"Authorization: Bearer {token}",
            url,
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    busy, load = machine_busy_seconds(), children_cpu_seconds()
    time.sleep(min(1, seconds / 2))
    spread = connection_spread(port=int(url.split(":")[2].split("/")[0]))
    out, _ = run.communicate()
    if run.returncode:
        raise subprocess.CalledProcessError(run.returncode, run.args, out)
    busy, load = machine_busy_seconds() - busy, children_cpu_seconds() - load
    result = dict(pair.split("=") for pair in RESULT.search(out).group(1).split())
    # What serving cost, whatever the machine's neighbours did to the latency: CPU time of everything on
    # this machine (gunicorn, PostgreSQL, the kernel's network work) but wrk, per request answered.
    result["server_cpu_us"] = (busy - load) / int(result["requests"]) * 1e6
    return {**result, "spread": spread}


def machine_busy_seconds() -> float:
    """CPU time this machine spent on anything but idling, waiting for I/O and being stolen (/proc/stat)."""
    fields = [int(n) for n in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    user, nice, system, _idle, _iowait, irq, softirq = fields[:7]
    return (user + nice + system + irq + softirq) / os.sysconf("SC_CLK_TCK")


def children_cpu_seconds() -> float:
    """CPU time of this process's finished children (wrk, once it has exited)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def connection_spread(*, port: int) -> str:
    """Established connections per server process on the port, e.g. "17/15" ("?" without `ss`)."""
    try:
        listing = subprocess.run(
            ["ss", "-tnpH", "state", "established", f"( sport = :{port} )"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        return "?"
    counts = Counter(re.findall(r"pid=(\d+)", listing))
    return "/".join(str(n) for n in sorted(counts.values(), reverse=True)) or "?"


def detail_json(args, token: str) -> None:
    email = Email.objects.filter(live=True).first()
    item_id = f"email-{email.pk}"
    # Asked for under the host the server answers on, so the bare view returns the very same bytes
    # (the detail's links carry the host).
    body = (
        Client(HTTP_HOST=f"127.0.0.1:{args.port}")
        .get(f"/api/v1/content/{item_id}", HTTP_AUTHORIZATION=f"Bearer {token}")
        .content
    )
    (settings.VAR_DIR / "bench").mkdir(parents=True, exist_ok=True)
    (settings.VAR_DIR / "bench" / "detail.json").write_bytes(body)
    urls = {"API /content/{id}": f"/api/v1/content/{item_id}", "bare Django view": "/bench/bare"}
    rounds: dict[str, list[dict]] = {name: [] for name in urls}
    with serving(
        server=args.server,
        port=args.port,
        workers=args.workers,
        threads=args.threads,
        listeners=args.listeners,
    ) as base:
        for path in urls.values():  # warm-up
            wrk(base + path, token, seconds=3, connections=32)
        # Alternated rounds, so a change in the machine's speed during the run falls on both.
        for _round in range(args.rounds):
            for name, path in urls.items():
                rounds[name].append(wrk(base + path, token, seconds=args.seconds, connections=32))
    listeners = f" ({args.listeners} listeners)" if args.server == "gunicorn" else ""
    setup = (
        f"{args.server}, {args.workers} workers × {args.threads} threads{listeners}, "
        f"{args.rounds} alternated rounds of {args.seconds}s"
    )
    print(f"detail JSON ({len(body)} bytes), 32 connections, {setup}:")
    for name, results in rounds.items():
        for number, result in enumerate(results, 1):
            print(
                f"  {name:20} round {number}  rps {float(result['rps']):8.1f}  "
                f"p50 {float(result['p50_ms']):6.2f} ms  p95 {float(result['p95_ms']):6.2f} ms  "
                f"p99 {float(result['p99_ms']):6.2f} ms  "
                f"server CPU {result['server_cpu_us']:4.0f} µs/request  "
                f"errors {result['errors']}  connections per worker {result['spread']}"
            )
    medians = {name: statistics.median(float(r["p95_ms"]) for r in rs) for name, rs in rounds.items()}
    api, bare = medians.values()
    print(f"  median p95: API {api:.2f} ms, bare {bare:.2f} ms; ratio API/bare: {api / bare:.2f}")
    ratios = [float(a["p95_ms"]) / float(b["p95_ms"]) for a, b in zip(*rounds.values(), strict=True)]
    print("  per-round p95 ratios: " + ", ".join(f"{r:.2f}" for r in ratios))
    cpu = {name: statistics.median(r["server_cpu_us"] for r in rs) for name, rs in rounds.items()}
    api, bare = cpu.values()
    print(
        f"  median server CPU per request: API {api:.0f} µs, bare {bare:.0f} µs; "
        f"ratio API/bare: {api / bare:.2f}"
    )


def feed_throughput(args, token: str) -> None:
    item = PublishedItem.objects.order_by("pk").first()
    FeedEvent.objects.filter(job_code="BENCH").delete()
    started = time.perf_counter()
    FeedEvent.objects.bulk_create(
        (FeedEvent(kind="published", item=item, revision_id=n, job_code="BENCH") for n in range(args.events)),
        batch_size=5000,
    )
    inserted = time.perf_counter() - started
    started = time.perf_counter()
    feed.sequence_pending()
    sequenced = time.perf_counter() - started
    client, cursor, read = Client(), None, 0
    started = time.perf_counter()
    while True:
        params = {"limit": 500, **({"cursor": cursor} if cursor else {})}
        page = client.get("/api/v1/changes", params, HTTP_AUTHORIZATION=f"Bearer {token}").json()
        read += len(page["events"])
        cursor = page["next_cursor"]
        if not page["has_more"]:
            break
    elapsed = time.perf_counter() - started
    FeedEvent.objects.filter(job_code="BENCH").delete()
    print(
        f"change feed: {args.events} events inserted in {inserted:.1f}s, sequenced in {sequenced:.1f}s; "
        f"read {read} events through /api/v1/changes (limit 500) in {elapsed:.1f}s "
        f"= {read / elapsed:,.0f} events/s"
    )


def twenty_slide_edetail() -> ApprovalRecord:
    from tests import factories

    existing = EDetail.objects.filter(title="Bench 20-slide e-detail", live=True).first()
    if existing:
        return ApprovalRecord.objects.current().for_object(existing).get()
    template = EDetail.objects.filter(live=True).first()
    modules = [p.module for p in template.all_placements()]
    edetail = EDetail(title="Bench 20-slide e-detail", product=template.product, market=template.market)
    edetail.slides = [
        Slide(
            title=f"Slide {n}",
            layout=Slide.TWO_COLUMNS,
            sort_order=n - 1,
            placements=[
                SlidePlacement(module=m, pinned_revision=Module.objects.get(pk=m.pk).live_revision)
                for m in modules[(n % len(modules)) : (n % len(modules)) + 2]
            ],
        )
        for n in range(1, 21)
    ]
    edetail.save()
    edetail.audiences.set(template.audiences.all())
    edetail.save_revision()
    factories.approve(edetail)
    return ApprovalRecord.objects.current().for_object(edetail).get()


def clm_cache(args) -> None:
    approval = twenty_slide_edetail()
    path = _cache_path(approval, "clm.zip")
    misses, hits = [], []
    for _ in range(args.clm_runs):
        shutil.rmtree(path.parent, ignore_errors=True)
        started = time.perf_counter()
        miss = approved_render(approval, "clm.zip")
        misses.append(time.perf_counter() - started)
        started = time.perf_counter()
        hit = approved_render(approval, "clm.zip")
        hits.append(time.perf_counter() - started)
        assert hit.body == miss.body
    entry = RenderManifestEntry.objects.get(approval=approval, format="clm.zip")
    assert hashlib.sha256(hit.body).hexdigest() == entry.sha256
    print(
        f"20-slide CLM zip ({len(hit.body):,} bytes): miss (render incl. Chromium thumbnails) median "
        f"{sorted(misses)[len(misses) // 2]:.2f}s, hit (disk cache + manifest check) median "
        f"{sorted(hits)[len(hits) // 2] * 1000:.1f} ms over {args.clm_runs} runs"
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10, help="length of one wrk run")
    parser.add_argument("--rounds", type=int, default=3, help="alternated API/bare detail rounds")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--server", choices=SERVERS, default="granian", help="WSGI server (default granian)")
    parser.add_argument(
        "--threads",
        type=int,
        help="Python threads per worker: granian's blocking threads (default 2), gunicorn's (default 4)",
    )
    parser.add_argument(
        "--listeners",
        choices=["per-worker", "shared"],
        default="per-worker",
        help="gunicorn only: one SO_REUSEPORT socket per worker process (default) or its one shared socket",
    )
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--clm-runs", type=int, default=3)
    parser.add_argument("--only", choices=["detail", "feed", "clm"])
    args = parser.parse_args()
    if args.threads is None:
        args.threads = 2 if args.server == "granian" else 4
    token = bench_client()
    if args.only in (None, "detail"):
        detail_json(args, token)
    if args.only in (None, "feed"):
        feed_throughput(args, token)
    if args.only in (None, "clm"):
        clm_cache(args)


if __name__ == "__main__":
    main()
