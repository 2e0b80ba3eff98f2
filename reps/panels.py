"""Panels other apps add to the portal's HCP context, without the portal importing them.

Imports run one way (reps ← engagement), so an app to the right registers a provider here from its
AppConfig.ready (as search/previews.py does for preview links). A provider gets the rep and the
chosen HCP and returns a panel's HTML, or None to show nothing; one that fails is logged and left
out, so an extra panel can never take the rep's search page down.
"""

import logging
from collections.abc import Callable

from django.utils.safestring import SafeString

logger = logging.getLogger(__name__)

HcpPanelProvider = Callable[..., "SafeString | None"]
_providers: list[HcpPanelProvider] = []


def register(provider: HcpPanelProvider) -> None:
    if provider not in _providers:
        _providers.append(provider)


def hcp_panels(*, rep, hcp) -> list[SafeString]:
    """Each registered provider's panel for this rep and HCP, in registration order."""
    panels = []
    for provider in _providers:
        try:
            html = provider(rep=rep, hcp=hcp)
        except Exception:
            logger.exception(
                "HCP panel %s failed for HCP %s", getattr(provider, "__name__", provider), hcp.pk
            )
            continue
        if html:
            panels.append(html)
    return panels
