"""Writes to modules and assemblies that the admin, the API and scripts share."""

from dataclasses import dataclass

from django.contrib.contenttypes.fields import GenericRelation
from django.core.exceptions import PermissionDenied
from django.db import transaction
from wagtail.actions.edit import EditAction
from wagtail.log_actions import log
from wagtail.models import Revision

from .models import Assembly, Audience, EDetail, Market, Placement, Slide
from .selectors import approved_revision, newer_approved_revision


class PinError(Exception):
    """A pin cannot be moved; the message says why."""


@transaction.atomic
def placement_move_pin(*, assembly: Assembly, placement_id: int, user) -> Revision:
    """Move one placement to the newest approved revision of its module, as a new draft of the assembly.

    Pins never move by themselves: this runs only when an editor asks for it.
    """
    draft = assembly.get_latest_revision_as_object()
    draft.hold_children()
    placement = next((p for p in draft.all_placements() if p.pk == placement_id), None)
    if placement is None:
        raise PinError("That placement is not in the current version of this assembly.")
    newer = newer_approved_revision(placement)
    if newer is None:
        raise PinError(f"“{placement.module}” already pins its newest approved revision.")
    if problems := draft.revision_scope_errors(newer):
        raise PinError(" ".join(problems))
    placement.pinned_revision = newer
    action = EditAction(draft, user=user, log_action="modules.move_pin", clean=False)
    try:
        action.execute()
    except PermissionDenied as error:
        raise PinError(str(error) or "You may not edit this assembly.") from error
    return action.revision


class VariantError(Exception):
    """A variant cannot be made; the message says why."""


# What a variant does not inherit: its identity, publication, locking and timestamps.
VARIANT_RESET = [
    "id",
    "live",
    "has_unpublished_changes",
    "first_published_at",
    "last_published_at",
    "live_revision",
    "latest_revision",
    "locked",
    "locked_at",
    "locked_by",
    "created_at",
    "updated_at",
]


@dataclass(frozen=True)
class VariantResult:
    """A new variant and what the author must look at: modules kept on a revision that is not approved
    for the new scope (the readiness panel names them), and modules left out because they may not be
    used there at all."""

    variant: Assembly
    needs_review: list[str]
    left_out: list[str]


@transaction.atomic
def assembly_new_variant(
    *, assembly: Assembly, user, market: Market | None = None, audiences: list[Audience] | None = None
) -> VariantResult:
    """Copy an assembly (as last saved) for another market and/or audiences, as a new draft.

    Each module whose approval in force covers the new scope is pinned to that approved revision. A module
    allowed in the new scope but not approved for it stays, pinned to its latest revision, so the
    readiness panel and the workflow send the variant to full MLR naming it. A module that may not be
    used in the new scope at all is left out. Both are listed, and the creation is logged (and so
    chained into the audit trail) with them.
    """
    market = market or assembly.market
    audiences = list(audiences) if audiences else list(assembly.audiences.all())
    same_audiences = {a.pk for a in audiences} == {a.pk for a in assembly.audiences.all()}
    if market.pk == assembly.market_id and same_audiences:
        raise VariantError(f"“{assembly}” is already for {market.code} and these audiences; change one.")
    source = type(assembly).objects.select_for_update().get(pk=assembly.pk).get_latest_revision_as_object()
    # Revisions, workflow states and the like hang off generic relations: they stay with the source.
    generic = [f.name for f in source._meta.get_fields() if isinstance(f, GenericRelation)]
    variant, _ = source.copy_cluster(exclude_fields=[*VARIANT_RESET, *generic, *source.child_relation_names])
    variant.market = market
    variant.audiences = audiences
    scope = market.code if same_audiences else f"{market.code}, {', '.join(a.code for a in audiences)}"
    variant.title = f"{source.title} ({scope})"[:255]
    variant.owner = user
    needs_review: list[str] = []
    left_out: list[str] = []

    def repinned(placements) -> list[Placement]:
        kept = []
        for placement in placements:
            module, pin = placement.module, None
            approved = approved_revision(module)
            if approved is not None and not variant.revision_scope_errors(approved):
                pin = approved
            elif module.latest_revision and not variant.revision_scope_errors(module.latest_revision):
                pin = module.latest_revision
                needs_review.append(
                    f"{module.type_label} “{module.title}” has no approval in force for {market.code}; "
                    f"kept on its latest revision #{pin.pk}, so the variant needs full MLR."
                )
            else:
                problems = variant.revision_scope_errors(approved or module.latest_revision) or [
                    f"{module.type_label} “{module.title}” has no saved revision."
                ]
                left_out.extend(problems)
                continue
            kept.append(type(placement)(module=module, pinned_revision=pin, sort_order=len(kept)))
        return kept

    # Children are rebuilt in their order (copy_cluster copies them in primary-key order).
    if isinstance(source, EDetail):
        variant.slides = [
            Slide(title=slide.title, layout=slide.layout, sort_order=n, placements=repinned(placements))
            for n, (slide, placements) in enumerate(source.slides_with_placements())
        ]
    else:
        variant.placements = repinned(source.placements.all())
    variant.live = False
    variant.save()
    revision = variant.save_revision(user=user, log_action=False)
    log(instance=variant, action="wagtail.create", user=user, revision=revision)
    log(
        instance=variant,
        action="modules.new_variant",
        user=user,
        revision=revision,
        data={
            "source": {"id": assembly.pk, "revision": source.latest_revision_id, "title": source.title},
            "market": market.code,
            "audiences": [a.code for a in audiences],
            "needs_review": needs_review,
            "left_out": left_out,
        },
    )
    return VariantResult(variant=variant, needs_review=needs_review, left_out=left_out)


class SlideMoveError(Exception):
    """A module cannot be moved to that slide; the message says why."""


@transaction.atomic
def placement_move_to_slide(
    *, edetail: EDetail, based_on: int, slide: int, position: int, to_slide: int, user
) -> Revision:
    """Move one module to the end of another slide of the same e-detail, as a new draft.

    Slides and modules are named by their place (0-based) in the revision the author was looking at
    (``based_on``): new slides and modules of a draft have no row yet, so no id. If the e-detail has been
    saved since, nothing moves and the author is asked to look again.
    """
    locked = EDetail.objects.select_for_update().get(pk=edetail.pk)
    if not locked.revisions.filter(pk=based_on).exists():
        raise SlideMoveError("That is not a version of this e-detail; only its own slides can be chosen.")
    if based_on != locked.latest_revision_id:
        raise SlideMoveError("This e-detail was saved again since you opened it; look at its slides again.")
    draft = locked.get_latest_revision_as_object()
    draft.hold_children()
    slides = draft.slides_with_placements()
    if not (0 <= slide < len(slides) and 0 <= position < len(slides[slide][1])):
        raise SlideMoveError("That module is not in the current version of this e-detail.")
    if not 0 <= to_slide < len(slides) or to_slide == slide:
        raise SlideMoveError("Choose another slide of this e-detail.")
    source_slide, source_placements = slides[slide]
    target_slide, target_placements = slides[to_slide]
    moved = source_placements.pop(position)
    source_slide.placements = source_placements
    target_slide.placements = [*target_placements, moved]
    action = EditAction(draft, user=user, log_action="modules.move_to_slide", clean=False)
    try:
        action.execute()
    except PermissionDenied as error:
        raise SlideMoveError(str(error) or "You may not edit this e-detail.") from error
    return action.revision
