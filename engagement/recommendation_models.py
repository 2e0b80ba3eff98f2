"""The tables next-best-content reads: co-engaged neighbours and specialty popularity, and the runs
that refreshed them. Written only by the background task (engagement/recommendations.py); never
computed on a page request. Rows may be stale: every suggestion is checked at read time."""

from django.db import models

ITEM_ID_LENGTH = 80  # content ids as the content API gives them, e.g. "email-42"


class CoEngagement(models.Model):
    """HCPs (of one specialty, or of all when `specialty` is blank) who engaged with `item` also
    engaged with `neighbour`: one of `item`'s top-K neighbours by cosine score."""

    specialty = models.CharField(
        max_length=64, blank=True, help_text="Specialty code; blank = every specialty."
    )
    item = models.CharField(max_length=ITEM_ID_LENGTH)
    neighbour = models.CharField(max_length=ITEM_ID_LENGTH)
    score = models.FloatField()
    hcps = models.PositiveIntegerField(help_text="HCPs who engaged with both.")

    class Meta:
        verbose_name = "co-engagement"
        constraints = [
            models.UniqueConstraint(fields=["specialty", "item", "neighbour"], name="unique_co_engagement")
        ]
        indexes = [models.Index(fields=["specialty", "item", "-score"], name="co_engagement_lookup")]

    def __str__(self):
        return f"{self.item} → {self.neighbour} ({self.score:.3f}, {self.specialty or 'all'})"


class SpecialtyPopularity(models.Model):
    """One of a specialty's most engaged items (blank specialty: across every specialty)."""

    specialty = models.CharField(max_length=64, blank=True)
    item = models.CharField(max_length=ITEM_ID_LENGTH)
    hcps = models.PositiveIntegerField(help_text="Distinct HCPs of the specialty who engaged with it.")

    class Meta:
        verbose_name_plural = "specialty popularity"
        constraints = [
            models.UniqueConstraint(fields=["specialty", "item"], name="unique_specialty_popularity")
        ]
        indexes = [models.Index(fields=["specialty", "-hcps"], name="specialty_popularity_lookup")]

    def __str__(self):
        return f"{self.item} ({self.hcps} HCPs, {self.specialty or 'all'})"


class RecommendationRun(models.Model):
    """One refresh of the tables above, so staleness can be seen (and reported) rather than guessed."""

    started_at = models.DateTimeField()
    finished_at = models.DateTimeField()
    since = models.DateTimeField(help_text="Events from this time on were read.")
    events = models.PositiveBigIntegerField()
    hcps = models.PositiveIntegerField()
    items = models.PositiveIntegerField()
    neighbour_rows = models.PositiveBigIntegerField()
    popularity_rows = models.PositiveIntegerField()

    class Meta:
        ordering = ["-finished_at"]
        get_latest_by = "finished_at"

    def __str__(self):
        return f"Recommendations refreshed {self.finished_at:%Y-%m-%d %H:%M} UTC ({self.events} events)"
