"""Thin portal views: validate, call a selector or service, render; typed errors mapped once in `rep_view`."""

import base64
import functools
import uuid

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from search.errors import SearchAccessDenied, SearchNotConfigured, SearchUnavailable
from search.query import SearchRequest
from search.selectors import approved_content_search

from . import links, panels, selectors, services
from .errors import ContentUnavailable, NotARep, SendRateLimited, SendRefused, TrackingLinkInvalid
from .forms import PortalSearchForm, SendForm
from .models import EmailSend
from .rendering import approved_render, personalised_email

PAGE_SIZE = 20
# A transparent 1×1 GIF for the open pixel.
PIXEL = base64.b64decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")
# The approved rendering is shown in a sandboxed frame with its own policy: its inline email CSS may
# apply, nothing may run, and only this site may frame it.
RENDER_CSP = (
    "default-src 'none'; img-src 'self' https: data:; style-src 'self' 'unsafe-inline'; "
    "frame-ancestors 'self'; sandbox allow-same-origin"
)

ERROR_STATUS = [
    (NotARep, 403, "Not available"),
    (SearchAccessDenied, 403, "Not available"),
    (ContentUnavailable, 404, "Content not available"),
    (SendRateLimited, 429, "Too many emails"),
    (SendRefused, 409, "Email not sent"),
    (SearchUnavailable, 503, "Search unavailable"),
    (SearchNotConfigured, 503, "Search unavailable"),
]


def rep_view(view):
    """Sign-in required; typed errors become a page with their message and status, never content."""

    @functools.wraps(view)
    @login_required(login_url=reverse_lazy("reps:login"))
    def wrapped(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except tuple(error for error, _, _ in ERROR_STATUS) as error:
            status, title = next((s, t) for e, s, t in ERROR_STATUS if isinstance(error, e))
            context = {"title": title, "message": str(error), "is_rep": selectors.is_rep(request.user)}
            return render(request, "reps/error.html", context, status=status)

    return wrapped


class RepLoginView(auth_views.LoginView):
    # AuthenticationForm calls authenticate(request, …), so login protection (axes) sees every try.
    template_name = "reps/login.html"
    redirect_authenticated_user = True
    next_page = reverse_lazy("reps:search")


class RepLogoutView(auth_views.LogoutView):
    next_page = reverse_lazy("reps:login")


def _search_request(form: PortalSearchForm, hcp) -> SearchRequest:
    data = form.cleaned_data
    filters = {name: (data[name],) for name in ("product", "type", "channel") if data.get(name)}
    if hcp is not None:
        filters["market"] = (hcp.market.code,)
    return SearchRequest(
        q=data.get("q", "").strip(),
        filters=filters,
        specialties=(hcp.specialty.code,) if hcp is not None else (),
        page=data.get("page") or 1,
        page_size=PAGE_SIZE,
    )


@rep_view
@require_GET
def search(request):
    access = selectors.rep_access(request.user)
    form = PortalSearchForm(request.GET or None, rep=request.user, access=access)
    hcp, page, history, hcp_panels = None, None, [], []
    if form.is_bound and form.is_valid():
        hcp = form.cleaned_data["hcp"]
        page = approved_content_search(request=_search_request(form, hcp), access=access)
        if hcp is not None:
            history = list(selectors.sent_history(hcp))
            hcp_panels = panels.hcp_panels(rep=request.user, hcp=hcp)
    elif not form.is_bound:
        form = PortalSearchForm(rep=request.user, access=access)
        page = approved_content_search(request=SearchRequest(page_size=PAGE_SIZE), access=access)
    context = {"form": form, "hcp": hcp, "page": page, "history": history, "hcp_panels": hcp_panels}
    if page is not None:
        query = request.GET.copy()
        query.pop("page", None)
        context["query"] = query.urlencode()
        context["has_next"] = page.page * page.page_size < page.total
    return render(request, "reps/search.html", context)


@rep_view
@require_GET
def content(request, approval_id: int):
    item = selectors.approved_item(user=request.user, approval_id=approval_id)
    access = selectors.rep_access(request.user)
    may_email = item.is_email and access.permits_channel("email")
    return render(request, "reps/content.html", {"item": item, "may_email": may_email})


def _framed(html: str) -> HttpResponse:
    response = HttpResponse(html)
    response["Content-Security-Policy"] = RENDER_CSP
    response["Cache-Control"] = "private, no-store"
    return response


@rep_view
@require_GET
@xframe_options_sameorigin
def content_render(request, approval_id: int):
    item = selectors.approved_item(user=request.user, approval_id=approval_id)
    access = selectors.rep_access(request.user)
    markets = item.markets if access.markets is None else item.markets & access.markets
    return _framed(
        approved_render(item, markets=markets, base_url=request.build_absolute_uri("/").rstrip("/"))
    )


def _recipient(request, item):
    try:
        hcp_id = int(request.GET.get("hcp", ""))
    except ValueError:
        return None
    return selectors.eligible_recipients(request.user, item.markets).filter(pk=hcp_id).first()


@rep_view
@require_http_methods(["GET", "POST"])
def email_compose(request, approval_id: int):
    if request.method == "POST":
        form = SendForm(request.POST)
        if not form.is_valid():
            raise SendRefused("The send form is incomplete; open it again.")
        send = services.email_send_request(
            rep=request.user,
            approval_id=approval_id,
            hcp_id=form.cleaned_data["hcp"],
            send_token=form.cleaned_data["send_token"],
        )
        return redirect("reps:send_status", send_id=send.pk)
    item = selectors.approved_item(user=request.user, approval_id=approval_id)
    if not item.is_email:
        raise ContentUnavailable(
            f"{item.approval.job_code} is not an email; only approved emails can be sent."
        )
    recipients = list(selectors.eligible_recipients(request.user, item.markets))
    hcp = _recipient(request, item)
    context = {"item": item, "recipients": recipients, "hcp": hcp}
    if "hcp" in request.GET and hcp is None:
        context["problem"] = "Choose one of your HCPs with email consent in this email's market."
    if hcp is not None:
        token = uuid.uuid4()
        message = personalised_email(item=item, hcp=hcp, rep=request.user, send_token=str(token))
        context.update(
            message=message,
            send_form=SendForm(initial={"hcp": hcp.pk, "send_token": token}),
            preview_url=reverse("reps:email_preview", args=[approval_id]) + f"?hcp={hcp.pk}&token={token}",
        )
    return render(request, "reps/email_compose.html", context)


@rep_view
@require_GET
@xframe_options_sameorigin
def email_preview(request, approval_id: int):
    """The exact HTML the HCP will receive (same send token, so the same links)."""
    item = selectors.approved_item(user=request.user, approval_id=approval_id)
    hcp = _recipient(request, item)
    try:
        token = uuid.UUID(request.GET.get("token", ""))
    except ValueError:
        hcp = None
    if hcp is None or not item.is_email:
        raise ContentUnavailable("Choose one of your HCPs with email consent in this email's market.")
    message = personalised_email(item=item, hcp=hcp, rep=request.user, send_token=str(token))
    return _framed(message.html)


@rep_view
@require_GET
def send_status(request, send_id: int):
    selectors.rep_access(request.user)
    send = get_object_or_404(
        EmailSend.objects.select_related("hcp", "approval"), pk=send_id, rep=request.user
    )
    return render(request, "reps/send_status.html", {"send": send})


@require_GET
def track_open(request, token: str):
    try:
        services.email_open_record(send_token=links.open_token_send(token))
    except TrackingLinkInvalid as error:
        raise Http404(str(error)) from error
    response = HttpResponse(PIXEL, content_type="image/gif")
    response["Cache-Control"] = "no-store"
    return response


@require_GET
def track_click(request, token: str):
    try:
        send_token, url = links.click_token_target(token)
        target = services.email_click_record(send_token=send_token, url=url)
    except TrackingLinkInvalid as error:
        raise Http404(str(error)) from error
    # Only URLs of the approved revision get here (checked above), so the redirect is not open.
    return HttpResponseRedirect(target)


@csrf_exempt  # RFC 8058 one-click: mail providers POST without a CSRF token; the signed token authorises.
@require_http_methods(["GET", "POST"])
def unsubscribe(request, token: str):
    try:
        send_token = links.unsubscribe_token_send(token)
        if request.method == "GET":
            # A GET (e.g. a link scanner) only asks; the button POSTs.
            send = services.sent_email(send_token)
            return render(request, "reps/unsubscribe.html", {"send": send, "done": False})
        hcp = services.hcp_unsubscribe(send_token=send_token)
    except TrackingLinkInvalid as error:
        raise Http404(str(error)) from error
    return render(request, "reps/unsubscribe.html", {"hcp": hcp, "done": True})
