"""Review screens: thin views that validate input, call a service and report the outcome."""

from functools import wraps

from django import forms
from django.contrib import messages
from django.contrib.auth.models import Group
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.decorators.http import require_POST
from wagtail.admin.admin_url_finder import AdminURLFinder
from wagtail.models import TaskState, WorkflowState

from modules.models import Assembly, Module

from . import roles, selectors, services
from .diff import field_changes
from .errors import NotPermitted, ReviewError
from .models import Annotation, ApprovalRecord, CitationCheck, Signature


def review_errors_as_responses(view):
    """Typed review errors become the right status: 403 for permission, 400 for everything else."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except NotPermitted as error:
            return _error_page(request, str(error), status=403)
        except ReviewError as error:
            return _error_page(request, str(error), status=400)

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
        meanings = [
            meaning
            for discipline in disciplines
            for decision, _ in Signature.DECISIONS
            for meaning in roles.meanings_for(discipline.name, decision)
        ]
        self.fields["meaning"].choices = [(m, m) for m in meanings]


class AnnotationForm(forms.Form):
    field_path = forms.CharField(max_length=200)
    quote = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    kind = forms.ChoiceField(choices=Annotation.KINDS)
    body = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}))


class WithdrawForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)


def _task_state(task_state_id) -> TaskState:
    state = get_object_or_404(
        TaskState.objects.select_related("revision", "workflow_state"), pk=task_state_id
    )
    return state.specific


def dashboard(request):
    """My reviews (soonest due first), items returned to me, and for coordinators every open review."""
    returned = [
        state
        for state in WorkflowState.objects.filter(status=WorkflowState.STATUS_NEEDS_CHANGES).select_related(
            "current_task_state__revision"
        )
        if getattr(state.content_object, "owner_id", None) == request.user.pk
        or state.requested_by_id == request.user.pk
    ]
    context = {
        "my_reviews": list(selectors.reviews_for(request.user)),
        "returned": returned,
        "is_coordinator": roles.user_in_roles(request.user, [roles.COORDINATORS])
        or request.user.is_superuser,
    }
    if context["is_coordinator"]:
        context["open_reviews"] = list(selectors.open_reviews())
    return TemplateResponse(request, "review/dashboard.html", context)


def review_screen(request, task_state_id: int):
    task_state = _task_state(task_state_id)
    revision = task_state.revision
    obj = revision.as_object()
    if not _may_see(request.user, obj):
        return _error_page(request, "You may not see this item.", status=403)
    task = task_state.task.specific
    disciplines = task.disciplines_of(request.user)
    approved = selectors.approval_in_force(revision.content_object)
    previous = approved.revision if approved and approved.revision_id != revision.pk else None
    citations = revision.content.get("citations") or []
    checks = {
        c.position: c for c in CitationCheck.objects.filter(revision=revision).select_related("verified_by")
    }
    context = {
        "task_state": task_state,
        "revision": revision,
        "object": obj,
        "edit_url": AdminURLFinder(request.user).get_edit_url(revision.content_object),
        "disciplines": task.disciplines.all(),
        "missing": list(selectors.missing_disciplines(task_state)),
        "signatures": Signature.objects.filter(task_state__workflow_state=task_state.workflow_state)
        .select_related("discipline", "revision")
        .order_by("signed_at"),
        "changes": field_changes(previous, revision),
        "compared_with": previous,
        "citations": [
            (n, citation, _reference_title(citation), checks.get(n)) for n, citation in enumerate(citations)
        ],
        "annotations": Annotation.objects.for_object_up_to(revision)
        .select_related("author", "resolved_by", "revision")
        .prefetch_related("replies__author"),
        "can_sign": bool(disciplines) and task_state.status == TaskState.STATUS_IN_PROGRESS,
        "is_medical": roles.user_in_roles(request.user, [roles.MEDICAL]),
        "sign_form": SignatureForm(disciplines=disciplines) if disciplines else None,
        "annotation_form": AnnotationForm(),
        "locked_until": services.signing_locked_until(request.user),
        "editor_of_revision": request.user.pk in selectors.revision_editors(revision),
    }
    return TemplateResponse(request, "review/review.html", context)


def _reference_title(citation: dict) -> str:
    from modules.models import Reference

    reference = Reference.objects.filter(pk=citation.get("reference")).first()
    return reference.title if reference else "(missing reference)"


def _may_see(user, obj) -> bool:
    from wagtail.permissions import policy_registry

    return user.is_superuser or policy_registry.get_by_type(type(obj)).user_has_permission(user, "view")


@require_POST
@review_errors_as_responses
def sign(request, task_state_id: int):
    task_state = _task_state(task_state_id)
    disciplines = task_state.task.specific.disciplines_of(request.user)
    if not disciplines:
        raise NotPermitted("You are not a reviewer in any discipline of this review.")
    form = SignatureForm(request.POST, disciplines=disciplines)
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
    messages.success(request, f"Signed: {data['meaning']}.")
    return redirect("review:dashboard")


@require_POST
@review_errors_as_responses
def annotate(request, task_state_id: int):
    task_state = _task_state(task_state_id)
    form = AnnotationForm(request.POST)
    if not form.is_valid():
        raise ReviewError("Say which field and what needs attention.")
    services.annotation_create(revision=task_state.revision, user=request.user, **form.cleaned_data)
    messages.success(request, "Annotation added.")
    return redirect("review:task", task_state_id=task_state.pk)


@require_POST
@review_errors_as_responses
def resolve_annotation(request, task_state_id: int, annotation_id: int):
    annotation = get_object_or_404(Annotation, pk=annotation_id)
    services.annotation_resolve(annotation=annotation, user=request.user)
    return redirect("review:task", task_state_id=task_state_id)


@require_POST
@review_errors_as_responses
def reply_annotation(request, task_state_id: int, annotation_id: int):
    annotation = get_object_or_404(Annotation, pk=annotation_id)
    services.annotation_reply(annotation=annotation, user=request.user, body=request.POST.get("body", ""))
    return redirect("review:task", task_state_id=task_state_id)


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
    record = ApprovalRecord.objects.for_object(obj).filter(status=ApprovalRecord.APPROVED).first()
    form = WithdrawForm(request.POST or None)
    if request.method == "POST":
        if not form.is_valid():
            raise ReviewError("Give a reason for the withdrawal; it is kept in the audit trail.")
        report = services.content_withdraw(obj=obj, user=request.user, reason=form.cleaned_data["reason"])
        return TemplateResponse(request, "review/impact.html", {"report": report, "object": obj})
    return TemplateResponse(request, "review/withdraw.html", {"object": obj, "record": record, "form": form})


def approvals(request):
    """Every approval record, newest first, with its job code, status and expiry."""
    records = ApprovalRecord.objects.select_related("revision").order_by("-approved_at")
    status = request.GET.get("status")
    if status:
        if status not in dict(ApprovalRecord.STATUSES):
            return _error_page(request, f"Unknown status “{status}”.", status=400)
        records = records.filter(status=status)
    return TemplateResponse(
        request,
        "review/approvals.html",
        {
            "records": records[:500],
            "statuses": ApprovalRecord.STATUSES,
            "status": status,
            "may_withdraw": roles.user_in_roles(request.user, roles.WITHDRAWERS),
        },
    )
