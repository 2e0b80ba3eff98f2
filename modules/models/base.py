"""What every reviewable piece of content (a module or an assembly) has in common."""

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from modelcluster.models import ClusterableModel
from wagtail.models import (
    DraftStateMixin,
    LockableMixin,
    PreviewableMixin,
    RevisionMixin,
    WorkflowMixin,
)
from wagtail.models.specific import SpecificMixin
from wagtail.query import SpecificQuerySetMixin
from wagtail.search import index

from modules.ports import review_port


class ReviewableQuerySet(SpecificQuerySetMixin, models.QuerySet):
    def live(self):
        return self.filter(live=True)

    def owned_by(self, user):
        return self.filter(owner=user)


class ReviewableContent(
    SpecificMixin,
    WorkflowMixin,
    DraftStateMixin,
    LockableMixin,
    RevisionMixin,
    PreviewableMixin,
    index.Indexed,
    ClusterableModel,
):
    """Content that is authored in drafts, versioned as revisions and approved through MLR review."""

    title = models.CharField(max_length=255, help_text="Internal name, shown in listings and choosers.")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="Accountable author; receives review outcomes and expiry warnings.",
    )
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+", editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ReviewableQuerySet.as_manager()

    search_fields = [index.SearchField("title"), index.AutocompleteField("title")]

    class Meta:
        abstract = True

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        # The specific type is recorded so that base-class querysets can return specific objects.
        if not self.content_type_id:
            self.content_type = ContentType.objects.get_for_model(self)
        super().save(*args, **kwargs)

    def get_workflow(self):
        return review_port().workflow_for(self)

    @transaction.atomic
    def save_revision(self, user=None, *, overwrite_revision=None, **kwargs):
        self.hold_for_saving()
        # A revision that is under review, signed, approved or pinned never changes: edits make a new one.
        if overwrite_revision is not None and review_port().revision_is_frozen(overwrite_revision):
            overwrite_revision = None
        revision = super().save_revision(user=user, overwrite_revision=overwrite_revision, **kwargs)
        # Saving during review restarts that review (signatures so far were for the old content).
        review_port().revision_saved(self, revision, user)
        return revision

    def hold_for_saving(self):
        """Saves of one object take turns, and a save whose object was read before another save landed fails.

        Wagtail checks an autosave against the latest revision when the request starts, then writes: an
        autosave in flight while the author moved a module (or a colleague saved) would otherwise write
        the older content on top and point the object back at an older revision. The row lock (held to
        the end of the caller's transaction) makes the check and the write one step. PermissionDenied is
        how Wagtail's edit view reports a refused revision: an autosave error, or a message on the form.
        """
        if self.pk is None:
            return
        rows = type(self)._base_manager.select_for_update().filter(pk=self.pk)
        stored = list(rows.values_list("latest_revision_id", flat=True))
        if stored and stored[0] != self.latest_revision_id:
            raise PermissionDenied(
                f"This {self._meta.verbose_name} was saved again while your change was on its way, "
                "so your change was not saved; reload it to see the newer version."
            )

    @property
    def approval_label(self) -> str:
        return review_port().status_label(self)

    @property
    def snippet_viewset(self):
        # Wagtail's workflow reports hold the base row (an Assembly or a Module, where the workflow
        # state points); only the specific classes are registered snippets, so ask the specific one.
        return self.specific_class.snippet_viewset

    @property
    def type_label(self) -> str:
        return self.specific_class._meta.verbose_name.capitalize()

    child_relation_names: tuple[str, ...] = ()

    def submission_errors(self, children: dict[str, list]) -> list[str]:
        """What must be fixed before this can be submitted for review; children are its inline objects."""
        return []

    def children_from_database(self) -> dict[str, list]:
        """The inline objects as stored (or, on a revision's object, as they were in that revision)."""
        return {name: list(getattr(self, name).all()) for name in self.child_relation_names}

    def get_preview_template(self, request, mode_name):
        return "modules/preview/module.html"

    def get_preview_context(self, request, mode_name):
        from modules.rendering import JOB_CODE_PENDING, render_module

        context = super().get_preview_context(request, mode_name)
        base_url = request.build_absolute_uri("/").rstrip("/")
        return {**context, "fragment": render_module(self, base_url=base_url), "job_code": JOB_CODE_PENDING}
