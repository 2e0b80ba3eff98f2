"""Writes to modules and assemblies that the admin, the API and scripts share."""

from django.core.exceptions import PermissionDenied
from django.db import transaction
from wagtail.actions.edit import EditAction
from wagtail.models import Revision

from .models import Assembly
from .selectors import newer_approved_revision


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
