"""The portal's "Suggested next" panel in the HCP context (registered with reps/panels.py from
EngagementConfig.ready, so the portal never imports this app)."""

from django.template.loader import render_to_string
from django.utils.safestring import SafeString

from reps.selectors import rep_access
from search.errors import SearchNotConfigured, SearchUnavailable

from .suggestions import suggest

PANEL_SIZE = 5


def suggested_next_panel(*, rep, hcp) -> SafeString:
    access = rep_access(rep)
    context = {"hcp": hcp, "suggestions": [], "unavailable": False}
    try:
        context["suggestions"] = suggest(hcp, rep, PANEL_SIZE, access=access)
    except (SearchUnavailable, SearchNotConfigured):
        context["unavailable"] = True
    # Links to the send flow only where it could succeed; the send itself checks everything again.
    context["may_email"] = hcp.has_consent and access.permits_channel("email")
    return render_to_string("engagement/suggested_next.html", context)
