"""`manage.py recommendations_eval`: hit-rate@K and coverage of next-best-content against popularity."""

import time

from django.core.management.base import BaseCommand, CommandError

from engagement.evaluation import HOLDOUT_DAYS, evaluate
from engagement.synthetic import SyntheticSizes, synthetic_world

# (option, smallest, largest): the largest keep one run within a few minutes and the memory of a laptop.
LIMITS = {
    "hcps": (10, 20_000),
    "items": (10, 20_000),
    "specialties": (1, 50),
    "products": (1, 200),
    "topics": (1, 500),
    "days": (HOLDOUT_DAYS + 7, 365),
    "events_per_hcp": (1, 500),
    "k": (1, 50),
}


class Command(BaseCommand):
    help = (
        "Offline evaluation of next-best-content on a synthetic engagement world with known taste "
        f"(specialties with preferred topics and products, HCP-level taste noise): train on all but the "
        f"last {HOLDOUT_DAYS} days, replay those days a week at a time, and print hit-rate@K and catalogue "
        "coverage for the recommender and a popularity baseline. Runs in memory through the product's "
        "scoring code; reads and writes no database rows."
    )

    def add_arguments(self, parser):
        defaults = SyntheticSizes()
        for name in ("hcps", "items", "specialties", "products", "topics", "days", "events_per_hcp"):
            low, high = LIMITS[name]
            parser.add_argument(
                f"--{name.replace('_', '-')}",
                type=int,
                default=getattr(defaults, name),
                help=f"{low}–{high} (default {getattr(defaults, name)})",
            )
        parser.add_argument("--k", type=int, default=5, help="list length for hit-rate@K (default 5)")
        parser.add_argument("--seed", type=int, default=13, help="random seed of the synthetic world")

    def handle(self, *args, **options):
        for name, (low, high) in LIMITS.items():
            if not low <= options[name] <= high:
                flag = "--" + name.replace("_", "-")
                raise CommandError(f"{flag} must be between {low} and {high}; got {options[name]}.")
        sizes = SyntheticSizes(**{name: options[name] for name in LIMITS if name != "k"})
        started = time.perf_counter()
        world = synthetic_world(sizes, seed=options["seed"])
        generated = time.perf_counter() - started
        report = evaluate(world, k=options["k"])
        k = report.k
        self.stdout.write(
            f"Synthetic world: seed {world.seed}, {sizes.hcps} HCPs, {sizes.items} items, "
            f"{sizes.specialties} specialties, {sizes.products} products, {sizes.topics} topics, "
            f"{sizes.days} days; {report.train_events} training events, {report.holdout_events} held out "
            f"(last {HOLDOUT_DAYS} days), {report.recommender.lists} HCP-weeks replayed."
        )
        self.stdout.write(f"{'':<16}{'hit-rate@' + str(k):>12}{'coverage':>10}")
        for name, score in (("recommender", report.recommender), ("popularity", report.baseline)):
            self.stdout.write(
                f"{name:<16}{score.hit_rate:>12.3f}{score.coverage(report.catalogue):>10.3f}"
                f"   ({score.hits}/{score.lists} hits, {len(score.listed)}/{report.catalogue} items listed)"
            )
        self.stdout.write(
            f"Timings: generate {generated:.2f} s, train {report.seconds['train']:.2f} s, "
            f"replay {report.seconds['replay']:.2f} s."
        )
