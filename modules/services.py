"""Writes to modules and assemblies that the admin, the API and scripts share."""

from django.contrib.contenttypes.fields import GenericRelation
from django.core.exceptions import PermissionDenied
from django.db import transaction
from wagtail.actions.edit import EditAction
from wagtail.models import Revision

from .models import Assembly, EDetail, Market, Placement, Slide
from .selectors import approved_revision, newer_approved_revision


class PinError(Exception):
    """A pin cannot be moved; the message says why."""


@transaction.atomic
def placement_move_pin(*, assembly: Assembly, placement_id: int, user) -> Revision:
    """Move one placement to the newest approved revision of its module, as a new draft of the assembly.

    Pins never move by themselves: this runs only when an editor asks for it.
    """
    draft = assembly.get_latest_revision_as_object()
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


@transaction.atomic
def assembly_new_variant(*, assembly: Assembly, market: Market, user) -> tuple[Assembly, list[str]]:
    """Copy an assembly (as last saved) for another market, as a new draft.

    Each module approved for the new scope is pinned to its approved revision; every other one is
    left out and named in the returned list, so the author can add the new market's version.
    """
    if market.pk == assembly.market_id:
        raise VariantError(f"“{assembly}” is already for {market.code}; choose another market.")
    source = type(assembly).objects.select_for_update().get(pk=assembly.pk).get_latest_revision_as_object()
    # Revisions, workflow states and the like hang off generic relations: they stay with the source.
    generic = [f.name for f in source._meta.get_fields() if isinstance(f, GenericRelation)]
    variant, _ = source.copy_cluster(exclude_fields=[*VARIANT_RESET, *generic, *source.child_relation_names])
    variant.market = market
    variant.title = f"{source.title} ({market.code})"[:255]
    variant.owner = user
    left_out: list[str] = []

    def repinned(placements) -> list[Placement]:
        kept = []
        for placement in placements:
            module = placement.module
            problems = module.allows(
                product=variant.product, market=market, channel_code=variant.channel_code
            )
            approved = approved_revision(module)
            if problems or approved is None:
                reason = "; ".join(problems) if problems else "has no approval in force"
                left_out.append(f"{module.type_label} “{module.title}” {reason}.")
                continue
            kept.append(type(placement)(module=module, pinned_revision=approved, sort_order=len(kept)))
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
    variant.save_revision(user=user, log_action="modules.new_variant")
    return variant, left_out


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
