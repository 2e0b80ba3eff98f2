"""Who may see engagement reports, and which products: one rule, used by every report view."""

from django.core.exceptions import PermissionDenied

from review import roles

# Reviewers and coordinators see every product; authors (marketers) only those assigned to them.
SEE_EVERYTHING = {roles.MEDICAL, roles.LEGAL, roles.REGULATORY, roles.COORDINATORS}


def report_products(user) -> frozenset[str] | None:
    """Product codes the user may see in reports (None: all of them); PermissionDenied for anyone else.

    Reps, channel integrations and users without an admin role get no reports at all.
    """
    if not (user.is_authenticated and user.is_active):
        raise PermissionDenied("Sign in to see engagement reports.")
    if user.is_superuser:
        return None
    names = set(user.groups.values_list("name", flat=True))
    if names & SEE_EVERYTHING:
        return None
    if roles.AUTHORS in names:
        assigned = getattr(user, "analytics_products", None)
        if assigned is None:
            return frozenset()
        return frozenset(assigned.products.values_list("code", flat=True))
    raise PermissionDenied("Engagement reports are for marketers, reviewers and coordinators.")


def may_see_reports(user) -> bool:
    try:
        report_products(user)
    except PermissionDenied:
        return False
    return True
