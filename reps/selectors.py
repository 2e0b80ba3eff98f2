"""Permission-aware reads of the portal: who is a rep, their HCPs, content they may open, send history."""

from dataclasses import dataclass

from django.db.models import Exists, OuterRef
from django.utils import timezone

from modules.models import Assembly, Module
from review.models import ApprovalRecord
from search.access import SearchAccess
from search.models import RepScope
from search.selectors import access_for_user

from .errors import ContentUnavailable, NotARep
from .models import HCP, EmailSend, EngagementEvent

NO_SCOPE = (
    "Your account is not set up as a field rep (no rep scope), so the portal has nothing to show you. "
    "Ask an administrator to assign your markets and channels."
)


def rep_access(user) -> SearchAccess:
    """The rep's markets and channels; anyone without a rep scope is refused, administrators included."""
    if not user.is_authenticated or not RepScope.objects.filter(user=user).exists():
        raise NotARep(NO_SCOPE)
    return access_for_user(user)


def is_rep(user) -> bool:
    return user.is_authenticated and RepScope.objects.filter(user=user).exists()


def hcps_for(rep):
    """The rep's territory."""
    return HCP.objects.assigned_to(rep).select_related("market", "specialty")


def hcp_for(rep, pk) -> HCP | None:
    return hcps_for(rep).filter(pk=pk).first()


@dataclass(frozen=True)
class ApprovedItem:
    """An approval in force that a rep may open, with the object exactly as its approved revision."""

    approval: ApprovalRecord
    obj: Module | Assembly
    markets: frozenset[str]
    channels: frozenset[str]

    @property
    def is_email(self) -> bool:
        return self.obj._meta.model_name == "email"


def item_scope(obj) -> tuple[frozenset[str], frozenset[str]]:
    """The market and channel codes an approved revision may be used in."""
    if isinstance(obj, Assembly):
        return frozenset([obj.market.code]), frozenset([obj.channel_code])
    return frozenset(m.code for m in obj.markets.all()), frozenset(c.code for c in obj.channels.all())


def approved_item(*, user, approval_id, now=None) -> ApprovedItem:
    """The approval in force with this id if it is in the rep's markets and channels, else a refusal."""
    access = rep_access(user)
    approval = ApprovalRecord.objects.select_related("revision").filter(pk=approval_id).first()
    if approval is None:
        raise ContentUnavailable("There is no approved content with this id.")
    if not ApprovalRecord.objects.current(now or timezone.now()).filter(pk=approval.pk).exists():
        reason = "expired" if approval.status == ApprovalRecord.APPROVED else approval.get_status_display()
        raise ContentUnavailable(
            f"{approval.job_code} is no longer approved for use ({reason.lower()}); "
            "it cannot be shown or sent."
        )
    obj = approval.revision.as_object()
    markets, channels = item_scope(obj)
    if access.markets is not None and not markets & access.markets:
        raise ContentUnavailable(f"{approval.job_code} is not approved for any of your markets.")
    if access.channels is not None and not channels & access.channels:
        raise ContentUnavailable(f"{approval.job_code} is not approved for any of your channels.")
    return ApprovedItem(approval=approval, obj=obj, markets=markets, channels=channels)


def sent_history(hcp: HCP, *, limit: int = 20):
    """What this HCP was sent (by anyone), newest first, with whether it was opened."""
    opened = EngagementEvent.objects.filter(send=OuterRef("pk"), type=EngagementEvent.OPENED)
    return (
        EmailSend.objects.filter(hcp=hcp, status=EmailSend.SENT)
        .select_related("approval", "rep")
        .annotate(opened=Exists(opened))
        .order_by("-sent_at")[:limit]
    )


def eligible_recipients(rep, market_codes):
    """The rep's HCPs who may be emailed content approved for these markets."""
    return hcps_for(rep).consenting().filter(market__code__in=market_codes)
