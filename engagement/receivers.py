"""Signal receivers: the rep portal's events land in the store in the transaction that wrote them."""


def portal_event_saved(sender, instance, created, raw=False, **kwargs):
    if not created or raw:
        return
    from engagement.services import record_portal_event

    record_portal_event(portal_event=instance)
