"""Review documents in the admin: the review package PDF of a revision, and the audit export."""

from django import forms
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from wagtail.models import Revision

from modules.models import ReviewableContent
from modules.permissions import user_can_view

from . import roles
from .audit import audit_record
from .exports import FORMATS, AuditExportError, audit_export, export_filter
from .labels import object_type_label
from .package import package_filename, package_pdf

AUDIT_EXPORTERS = (roles.COORDINATORS, roles.REGULATORY)


def _forbidden(request, message):
    return TemplateResponse(request, "review/error.html", {"message": message, "back": ""}, status=403)


def package(request, revision_id: int):
    """The review package of one revision, for anyone who may view the item."""
    revision = get_object_or_404(Revision.objects.select_related("content_type"), pk=revision_id)
    model = revision.content_type.model_class()
    if model is None or not issubclass(model, ReviewableContent):
        raise Http404("Review packages exist only for modules and assemblies.")
    if not user_can_view(request.user, model):
        return _forbidden(request, "You may not view this item, so you cannot download its review package.")
    pdf = package_pdf(revision)
    audit_record(
        action="review.package_downloaded",
        actor=request.user,
        object_type=object_type_label(model),
        object_id=revision.object_id,
        object_repr=revision.object_str,
        revision_id=revision.pk,
        data={"bytes": len(pdf)},
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{package_filename(revision)}"'
    return response


class AuditExportForm(forms.Form):
    date_from = forms.CharField(
        label="From (UTC)", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.CharField(
        label="To (UTC, inclusive)", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    item = forms.CharField(
        label="Item",
        required=False,
        help_text="Optional: app_label.model:ID, e.g. modules.claim:42 (no dates: its whole trail).",
    )
    fmt = forms.ChoiceField(label="Format", choices=[(f, f.upper()) for f in FORMATS], initial="csv")


def may_export_audit(user) -> bool:
    return user.is_authenticated and (user.is_superuser or roles.user_in_roles(user, AUDIT_EXPORTERS))


def audit_export_view(request):
    """GET: the form; POST: the export file (written to the trail as an export), or 400 with the reason."""
    if not may_export_audit(request.user):
        return _forbidden(
            request, "Only review coordinators and regulatory reviewers export the audit trail."
        )
    form = AuditExportForm(request.POST or None)
    if request.method != "POST":
        return TemplateResponse(request, "review/audit_export_form.html", {"form": form})
    error = None
    if form.is_valid():
        data = form.cleaned_data
        try:
            filters = export_filter(date_from=data["date_from"], date_to=data["date_to"], item=data["item"])
            export = audit_export(fmt=data["fmt"], filters=filters, actor=request.user, via="admin")
        except AuditExportError as exc:
            error = str(exc)
        else:
            response = HttpResponse(export.content, content_type=export.content_type)
            response["Content-Disposition"] = f'attachment; filename="{export.filename}"'
            return response
    else:
        error = "Choose a format: CSV or PDF."
    return TemplateResponse(
        request, "review/audit_export_form.html", {"form": form, "error": error}, status=400
    )
