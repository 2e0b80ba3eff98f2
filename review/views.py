"""Review screens: thin views that validate input, call a service and report the outcome."""

from functools import wraps

from django import forms
from django.contrib import messages
from django.contrib.auth.models import Group
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_POST
from wagtail.admin.admin_url_finder import AdminURLFinder
from wagtail.models import TaskState

from modules.models import Assembly, EDetail, Email, Invitation, Module
from modules.models.assemblies import preview_base_url
from modules.permissions import user_can_view
from modules.rendering import render_edetail, render_email, render_invitation

from . import roles, selectors, services, tables
from .errors import NotPermitted, ReviewError
from .models import Annotation, ApprovalRecord, Signature


def review_errors_as_responses(view):
    """Typed review errors become the right status: 403 for permission, 400 for everything else.

    Errors about a review re-render its review screen with the message, so nothing typed is lost.
    """

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except (NotPermitted, ReviewError) as error:
            status = 403 if isinstance(error, NotPermitted) else 400
            task_state_id = kwargs.get("task_state_id")
            if task_state_id is not None and request.method == "POST":
                return _render_review(request, _task_state(task_state_id), error=str(error), status=status)
            return _error_page(request, str(error), status=status)

    return wrapper


def _error_page(request, message, *, status):
    back = request.POST.get("next") or request.META.get("HTTP_REFERER") or reverse("review:dashboard")
    return TemplateResponse(request, "review/error.html", {"message": message, "back": back}, status=status)


class SignatureForm(forms.Form):
    decision = forms.ChoiceField(choices=Signature.DECISIONS, widget=forms.RadioSelect)
    discipline = forms.ModelChoiceField(queryset=Group.objects.none(), empty_label=None)
    meaning = forms.ChoiceField(choices=[])
    comment = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)
    password = forms.CharField(
        widget=forms.PasswordInput, help_text="Re-enter your password: this is your e-signature."
    )

    def __init__(self, *args, disciplines, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["discipline"].queryset = Group.objects.filter(pk__in=[d.pk for d in disciplines])
        # Grouped by decision (optgroups) so a signer sees which meanings fit which decision;
        # review/js/sign-form.js hides the other group, and the service still checks the pair.
        self.fields["meaning"].choices = [
            (
                label,
                [
                    (meaning, meaning)
                    for discipline in disciplines
                    for meaning in roles.meanings_for(discipline.name, decision)
                ],
            )
            for decision, label in Signature.DECISIONS
        ]


class AnnotationForm(forms.Form):
    field_path = forms.ChoiceField(label="Field", choices=[])
    quote = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Optional: paste the exact words the comment is about.",
    )
    kind = forms.ChoiceField(choices=Annotation.KINDS)
    body = forms.CharField(label="Comment", widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, revision, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["field_path"].choices = list(selectors.annotatable_fields(revision).items())


class WithdrawForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)


def _task_state(task_state_id) -> TaskState:
    state = get_object_or_404(
        TaskState.objects.select_related("revision", "workflow_state"), pk=task_state_id
    )
    return state.specific


def dashboard(request):
    """My reviews (soonest due first), items returned to me, and for coordinators every open review."""
    screen = selectors.dashboard_for(request.user)
    finder = AdminURLFinder(request.user)
    for state in screen.returned:
        state.edit_url = finder.get_edit_url(state.content_object)
    context = {
        "my_reviews": tables.reviews_table(screen.my_reviews),
        "returned": screen.returned,
        "is_coordinator": screen.is_coordinator,
        **_header("Reviews"),
    }
    if screen.is_coordinator:
        context["open_reviews"] = tables.reviews_table(screen.open_reviews, show_started=True)
    return TemplateResponse(request, "review/dashboard.html", context)


def review_screen(request, task_state_id: int):
    return _render_review(request, _task_state(task_state_id))


def _render_review(request, task_state, *, error=None, status=200):
    revision = task_state.revision
    if not user_can_view(request.user, revision.content_type.model_class()):
        return _error_page(request, "You may not see this item.", status=403)
    screen = selectors.review_screen_for(task_state, request.user)
    post = request.POST if error else None
    context = {
        **screen.as_context(),
        "edit_url": AdminURLFinder(request.user).get_edit_url(revision.content_object),
        "sign_form": SignatureForm(post, disciplines=screen.my_disciplines)
        if screen.my_disciplines
        else None,
        "annotation_form": AnnotationForm(post if post and "body" in post else None, revision=revision),
        "locked_until": services.signing_locked_until(request.user),
        "error": error,
        **_header(str(screen.object), (reverse("review:dashboard"), "Reviews")),
    }
    return TemplateResponse(request, "review/review.html", context, status=status)


@xframe_options_sameorigin
def rendered(request, task_state_id: int):
    """The revision under review as it will be seen (email, slides, invitation or module)."""
    revision = _task_state(task_state_id).revision
    obj = revision.as_object()
    if not user_can_view(request.user, obj):
        return _error_page(request, "You may not see this item.", status=403)
    approval = selectors.revision_approval(revision)
    if approval is None:
        return obj.serve_preview(request, obj.default_preview_mode)
    return _render_with_job_code(request, obj, approval.job_code)


def _render_with_job_code(request, obj, job_code: str):
    """An approved revision as it was approved: the same renderers as the preview, with its job code."""
    base_url = preview_base_url(request)
    if isinstance(obj, Email):
        return HttpResponse(render_email(obj, job_code=job_code, base_url=base_url).html)
    if isinstance(obj, EDetail):
        return HttpResponse(render_edetail(obj, job_code=job_code, base_url=base_url))
    if isinstance(obj, Invitation):
        return HttpResponse(render_invitation(obj, job_code=job_code, base_url=base_url))
    mode = obj.default_preview_mode
    context = {**obj.get_preview_context(request, mode), "job_code": job_code}
    return TemplateResponse(request, obj.get_preview_template(request, mode), context)


@require_POST
@review_errors_as_responses
def sign(request, task_state_id: int):
    task_state = _task_state(task_state_id)
    disciplines = task_state.task.specific.disciplines_of(request.user)
    if not disciplines:
        raise NotPermitted("You are not a reviewer in any discipline of this review.")
    form = SignatureForm(request.POST, disciplines=disciplines)
    if not user_can_view(request.user, task_state.revision.as_object()):
        raise NotPermitted("You may not see this item.")
    if not form.is_valid():
        raise ReviewError(
            "Complete the signature: " + "; ".join(f"{k}: {v[0]}" for k, v in form.errors.items())
        )
    data = form.cleaned_data
    services.review_sign(
        task_state=task_state,
        user=request.user,
        password=data["password"],
        decision=data["decision"],
        meaning=data["meaning"],
        discipline=data["discipline"],
        comment=data["comment"],
    )
    approval = selectors.revision_approval(task_state.revision)
    if approval is not None:
        # This signature completed the review: say what that means for the item, not only the signature.
        messages.success(
            request,
            f"Signed: {data['meaning']}. “{approval.object_title}” is now approved and live as "
            f"{approval.job_code} until {approval.expires_at:%Y-%m-%d}.",
        )
    else:
        messages.success(request, f"Signed: {data['meaning']}.")
    return redirect("review:dashboard")


@require_POST
@review_errors_as_responses
def annotate(request, task_state_id: int):
    task_state = _task_state(task_state_id)
    form = AnnotationForm(request.POST, revision=task_state.revision)
    if not form.is_valid():
        raise ReviewError("Choose a field of this item and say what needs attention.")
    services.annotation_create(revision=task_state.revision, user=request.user, **form.cleaned_data)
    messages.success(request, "Annotation added.")
    return redirect("review:task", task_state_id=task_state.pk)


@require_POST
@review_errors_as_responses
def resolve_annotation(request, task_state_id: int, annotation_id: int):
    annotation = _annotation_of(_task_state(task_state_id), annotation_id)
    services.annotation_resolve(annotation=annotation, user=request.user)
    return redirect("review:task", task_state_id=task_state_id)


@require_POST
@review_errors_as_responses
def reply_annotation(request, task_state_id: int, annotation_id: int):
    annotation = _annotation_of(_task_state(task_state_id), annotation_id)
    services.annotation_reply(annotation=annotation, user=request.user, body=request.POST.get("body", ""))
    return redirect("review:task", task_state_id=task_state_id)


def _annotation_of(task_state, annotation_id: int) -> Annotation:
    """The annotation, only if it is about the item this review is about."""
    revision = task_state.revision
    return get_object_or_404(
        Annotation,
        pk=annotation_id,
        revision__base_content_type_id=revision.base_content_type_id,
        revision__object_id=revision.object_id,
    )


@require_POST
@review_errors_as_responses
def verify_citation(request, task_state_id: int, position: int):
    task_state = _task_state(task_state_id)
    services.citation_verify(revision=task_state.revision, position=position, user=request.user)
    return redirect("review:task", task_state_id=task_state.pk)


CONTENT_BASES = {"module": Module, "assembly": Assembly}


@review_errors_as_responses
def withdraw(request, base: str, pk: int):
    model = CONTENT_BASES.get(base)
    if model is None:
        raise Http404("No such content type.")
    obj = get_object_or_404(model, pk=pk).specific
    if not roles.user_in_roles(request.user, roles.WITHDRAWERS):
        raise NotPermitted("Only review coordinators and regulatory reviewers can withdraw approved content.")
    record = selectors.withdrawable_approval(obj)
    form = WithdrawForm(request.POST or None)
    if request.method == "POST":
        if not form.is_valid():
            raise ReviewError("Give a reason for the withdrawal; it is kept in the audit trail.")
        report = services.content_withdraw(obj=obj, user=request.user, reason=form.cleaned_data["reason"])
        messages.success(request, f"Withdrawn: {obj} ({report.ended.job_code}).")
        return redirect("review:impact", approval_id=report.ended.pk)
    affected = selectors.approvals_pinning(record).select_related("content_type") if record else []
    context = {
        "object": obj,
        "record": record,
        "form": form,
        "affected": affected,
        **_header(f"Withdraw “{obj}”", (reverse("review:approvals"), "Approvals")),
    }
    return TemplateResponse(request, "review/withdraw.html", context)


def impact(request, approval_id: int):
    """What ending one approval took out of use: the item and every assembly that pinned it."""
    record = get_object_or_404(ApprovalRecord, pk=approval_id)
    if not user_can_view(request.user, record.content_type.model_class()):
        return _error_page(request, "You may not see this item.", status=403)
    return TemplateResponse(
        request,
        "review/impact.html",
        {"record": record, "cascaded": selectors.cascaded_from(record)},
    )


def approvals(request):
    """Every approval record, newest first, with its job code, status and expiry."""
    status = request.GET.get("status")
    if status and status not in dict(ApprovalRecord.STATUSES):
        return _error_page(request, f"Unknown status “{status}”.", status=400)
    records = list(selectors.approvals_listed(status=status)[:200])
    for record in records:
        record.review_url = (
            reverse("review:task", args=[record.last_task_state_id]) if record.last_task_state_id else None
        )
    may_withdraw = roles.user_in_roles(request.user, roles.WITHDRAWERS)
    return TemplateResponse(
        request,
        "review/approvals.html",
        {
            "table": tables.approvals_table(records, may_withdraw=may_withdraw),
            "statuses": ApprovalRecord.STATUSES,
            "status": status,
            **_header("Approvals"),
        },
    )


def _header(title: str, *parents: tuple[str, str]) -> dict:
    """Context for Wagtail's slim header: breadcrumbs from the dashboard down to this screen."""
    crumbs = [{"url": reverse("wagtailadmin_home"), "label": "Home"}]
    crumbs += [{"url": url, "label": label} for url, label in parents]
    crumbs.append({"url": "", "label": title})
    return {"breadcrumbs_items": crumbs, "header_title": title}
