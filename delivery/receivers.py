"""Signal receivers: record the feed in the approval's transaction, hand everything else to tasks."""

from django.db import transaction


def outbox_event_created(sender, instance, created, **kwargs):
    """Feed events commit with the approval, withdrawal or expiry; renders and webhooks run after commit."""
    if not created:
        return
    from delivery import services, tasks

    services.feed_events_record(outbox_event=instance)
    approval_id = instance.approval_id
    if instance.kind == "published":
        transaction.on_commit(lambda: tasks.enqueue_render_manifest(approval_id))
    transaction.on_commit(tasks.enqueue_webhooks)


def request_finished(sender, **kwargs):
    """Write buffered pull records after the response has gone out (see delivery/pulls.py)."""
    from delivery import pulls

    pulls.flush_if_due()


def client_scope_changed(sender, instance, action, reverse, pk_set, **kwargs):
    """A client's markets, channels or audiences change: bump its scope version before and after.

    Before: a request racing the change caches what it reads under a number that is dropped after.
    After: every later request reads the new number, misses the cache and reads the new scope.
    """
    if action not in {"pre_add", "post_add", "pre_remove", "post_remove", "pre_clear", "post_clear"}:
        return
    from delivery import services

    if reverse:  # changed from the taxonomy side: `instance` is the market, channel or audience
        services.channel_scope_versions_bump(client_ids=pk_set)
    else:
        services.channel_scope_versions_bump(client_ids=[instance.pk])


def taxonomy_changed(sender, **kwargs):
    """A market, channel or audience edited or deleted: every cached scope may name a stale code."""
    from delivery import services

    services.channel_scope_versions_bump(client_ids=None)
