"""Writes to modules and assemblies that the admin, the API and scripts share."""

from django.contrib.contenttypes.fields import GenericRelation
from django.core.exceptions import PermissionDenied
from django.db import transaction
from wagtail.actions.edit import EditAction
from wagtail.models import Revision

from .models import Assembly, Market
from .selectors import approved_revision, newer_approved_revision


class PinError(Exception):
    """A pin cannot be moved; the message says why."""


@transaction.atomic
def placement_move_pin(*, assembly: Assembly, placement_id: int, user) -> Revision:
    """Move one placement to the newest approved revision of its module, as a new draft of the assembly.

    Pins never move by themselves: this runs only when an editor asks for it.
    """
    draft = assembly.get_latest_revision_as_object()
    placement = next((p for p in draft.placements.all() if p.pk == placement_id), None)
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
    variant, _ = source.copy_cluster(exclude_fields=[*VARIANT_RESET, *generic])
    variant.market = market
    variant.title = f"{source.title} ({market.code})"[:255]
    variant.owner = user
    kept, left_out = [], []
    for placement in variant.placements.all():
        module = placement.module
        problems = module.allows(product=variant.product, market=market, channel_code=variant.channel_code)
        approved = approved_revision(module)
        if problems or approved is None:
            reason = "; ".join(problems) if problems else "has no approval in force"
            left_out.append(f"{module.type_label} “{module.title}” {reason}.")
            continue
        placement.pinned_revision = approved
        kept.append(placement)
    variant.placements = kept
    variant.live = False
    variant.save()
    variant.save_revision(user=user, log_action="modules.new_variant")
    return variant, left_out
