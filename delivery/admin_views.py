"""Admin screens of the delivery app that are more than a model form: a client's tokens (new token
shown once, revoke, rotate), webhook redelivery and the compliance pull report."""

from functools import wraps

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Max
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.decorators.http import require_POST

from delivery import services
from delivery.errors import InvalidDeliveryRequest
from delivery.models import ChannelClient, ChannelToken, PullSubject, WebhookDelivery

NEW_TOKEN_SESSION_KEY = "delivery_new_token"


def superuser_required(view):
    """Superusers only. Wagtail's admin URLs already send anonymous visitors to the admin login; any
    other signed-in user gets 403 (user_passes_test sent them to Django's unused /accounts/login/)."""

    @wraps(view)
    def checked(request, *args, **kwargs):
        if not (request.user.is_active and request.user.is_superuser):
            raise PermissionDenied("Only administrators manage channel clients, tokens and webhooks.")
        return view(request, *args, **kwargs)

    return checked


def remember_new_token(request, client: ChannelClient, raw: str) -> None:
    """Kept server-side in the session (never in a message cookie) until the tokens page shows it once."""
    request.session[NEW_TOKEN_SESSION_KEY] = {"client": client.pk, "token": raw}


class NewTokenForm(forms.Form):
    label = forms.CharField(max_length=80, initial="default")
    expires_at = forms.DateTimeField(required=False, help_text="Optional, UTC, e.g. 2027-01-31 00:00.")


@superuser_required
def client_tokens(request, pk: int):
    client = get_object_or_404(ChannelClient, pk=pk)
    shown = request.session.pop(NEW_TOKEN_SESSION_KEY, None)
    new_token = shown["token"] if shown and shown.get("client") == client.pk else None
    form = NewTokenForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                _token, raw = services.channel_token_create(
                    client=client,
                    label=form.cleaned_data["label"],
                    expires_at=form.cleaned_data["expires_at"],
                    actor=request.user,
                )
            except InvalidDeliveryRequest as exc:
                for field, message in exc.errors.items():
                    form.add_error(field if field in form.fields else None, message)
            else:
                remember_new_token(request, client, raw)
                return redirect("delivery_admin:tokens", pk=client.pk)
        status = 400
    context = {
        "client": client,
        "tokens": client.tokens.all(),
        "new_token": new_token,
        "form": form,
        "grace_hours": services.rotation_grace().total_seconds() / 3600,
    }
    return TemplateResponse(request, "delivery/tokens.html", context, status=status)


@superuser_required
@require_POST
def token_revoke(request, pk: int):
    token = get_object_or_404(ChannelToken, pk=pk)
    services.channel_token_revoke(token=token, actor=request.user)
    messages.success(request, f"Token “{token.label}” of {token.client} is revoked.")
    return redirect("delivery_admin:tokens", pk=token.client_id)


@superuser_required
@require_POST
def token_rotate(request, pk: int):
    token = get_object_or_404(ChannelToken, pk=pk)
    try:
        _new, raw = services.channel_token_rotate(token=token, actor=request.user)
    except InvalidDeliveryRequest as exc:
        messages.error(request, str(exc))
    else:
        remember_new_token(request, token.client, raw)
    return redirect("delivery_admin:tokens", pk=token.client_id)


@superuser_required
@require_POST
def webhook_redeliver(request, pk: int):
    from delivery.webhooks import webhook_redeliver as redeliver

    delivery = get_object_or_404(WebhookDelivery, pk=pk)
    redeliver(delivery=delivery, actor=request.user)
    messages.success(request, f"Delivery {delivery.idempotency_key} is queued again.")
    return redirect("delivery_webhookdelivery:index")


@superuser_required
def pull_report(request):
    """Pulls per client and per asset, newest activity first (the compliance view of who took what)."""
    by_client = (
        PullSubject.objects.values("client__name")
        .annotate(
            pull_count=Count("pulls"), items=Count("item_id", distinct=True), last=Max("pulls__pulled_at")
        )
        .order_by("-last")
    )
    by_asset = (
        PullSubject.objects.values("client__name", "item_id", "revision_id", "approval__job_code", "render")
        .annotate(pull_count=Count("pulls"), last=Max("pulls__pulled_at"))
        .order_by("-last")[:500]
    )
    return TemplateResponse(
        request,
        "delivery/pull_report.html",
        {
            "by_client": by_client,
            "by_asset": by_asset,
            "header_title": "Channel pulls",
            "header_icon": "doc-full",
            "breadcrumbs_items": [
                {"url": reverse("wagtailadmin_home"), "label": "Home"},
                {"url": "", "label": "Channel pulls"},
            ],
        },
    )


@superuser_required
def webhook_redeliver_confirm(request, pk: int):
    delivery = get_object_or_404(WebhookDelivery.objects.select_related("subscription", "event"), pk=pk)
    return TemplateResponse(request, "delivery/redeliver_confirm.html", {"delivery": delivery})
