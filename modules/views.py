"""Thin admin views: pin moves, moving modules between e-detail slides, new variants and calendar files."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.views.decorators.http import require_POST
from wagtail.admin.admin_url_finder import AdminURLFinder
from wagtail.permissions import policy_registry

from .forms import VariantForm
from .models import ASSEMBLY_TYPES, EDetail, Invitation
from .permissions import user_can_view
from .rendering import invitation_ics
from .selectors import placements_with_newer_approvals
from .services import (
    PinError,
    SlideMoveError,
    VariantError,
    assembly_new_variant,
    placement_move_pin,
    placement_move_to_slide,
)

ASSEMBLIES_BY_NAME = {model._meta.model_name: model for model in ASSEMBLY_TYPES}


def assembly_for(request, model_name: str, pk: int, action: str):
    model = ASSEMBLIES_BY_NAME.get(model_name)
    if model is None:
        raise Http404("No such assembly type.")
    assembly = get_object_or_404(model, pk=pk)
    if action == "view":
        allowed = user_can_view(request.user, assembly)
    else:
        allowed = policy_registry.get(assembly).user_has_permission_for_instance(
            request.user, action, assembly
        )
    if not allowed:
        raise PermissionDenied
    return assembly


def pins(request, model_name: str, pk: int):
    assembly = assembly_for(request, model_name, pk, "change")
    draft = assembly.get_latest_revision_as_object()
    return TemplateResponse(
        request,
        "modules/pins.html",
        {
            "assembly": assembly,
            "newer": placements_with_newer_approvals(draft),
            "edit_url": AdminURLFinder(request.user).get_edit_url(assembly),
            "model_name": model_name,
        },
    )


@require_POST
def move_pin(request, model_name: str, pk: int, placement_id: int):
    assembly = assembly_for(request, model_name, pk, "change")
    try:
        placement_move_pin(assembly=assembly, placement_id=placement_id, user=request.user)
    except PinError as error:
        messages.error(request, str(error))
        return redirect("modules:pins", model_name=model_name, pk=pk)
    messages.success(
        request, "The placement now pins the newest approved revision. The change is a new draft."
    )
    return redirect(AdminURLFinder(request.user).get_edit_url(assembly))


def invitation_calendar(request, pk: int):
    invitation = assembly_for(request, Invitation._meta.model_name, pk, "view")
    draft = invitation.get_latest_revision_as_object()
    response = HttpResponse(invitation_ics(draft), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="invitation-{invitation.pk}.ics"'
    return response


def variant(request, model_name: str, pk: int):
    """Copy an assembly for another market and/or audiences: GET shows the choice, POST makes the draft."""
    assembly = assembly_for(request, model_name, pk, "change")
    if not policy_registry.get(assembly).user_has_permission(request.user, "add"):
        raise PermissionDenied
    form = VariantForm(request.POST if request.method == "POST" else None, assembly=assembly)
    context = {"assembly": assembly, "form": form, "model_name": model_name}
    if request.method != "POST":
        return TemplateResponse(request, "modules/variant.html", context)
    if not form.is_valid():
        return TemplateResponse(request, "modules/variant.html", context, status=400)
    try:
        result = assembly_new_variant(
            assembly=assembly,
            user=request.user,
            market=form.cleaned_data["market"],
            audiences=list(form.cleaned_data["audiences"]),
        )
    except VariantError as error:
        form.add_error(None, str(error))
        return TemplateResponse(request, "modules/variant.html", context, status=400)
    messages.success(request, f"Draft “{result.variant.title}” created for {result.variant.market.code}.")
    for line in result.needs_review:
        messages.warning(request, f"Needs review: {line}")
    for line in result.left_out:
        messages.warning(request, f"Not carried over: {line}")
    return redirect(AdminURLFinder(request.user).get_edit_url(result.variant))


def arrange_slides(request, pk: int):
    """An e-detail's slides with their modules; POST moves one module to another slide (a new draft)."""
    edetail = assembly_for(request, EDetail._meta.model_name, pk, "change")
    status, error = 200, ""
    if request.method == "POST":
        fields = {name: request.POST.get(name, "") for name in ("based_on", "slide", "position", "to_slide")}
        if not all(value.isdigit() for value in fields.values()):
            status, error = 400, "Choose a module and the slide to move it to."
        else:
            try:
                placement_move_to_slide(
                    edetail=edetail, user=request.user, **{name: int(value) for name, value in fields.items()}
                )
            except SlideMoveError as error_:
                status, error = 400, str(error_)
            else:
                messages.success(request, "Module moved. The change is a new draft.")
                return redirect("modules:arrange_slides", pk=pk)
    edetail.refresh_from_db()
    draft = edetail.get_latest_revision_as_object()
    context = {
        "edetail": edetail,
        "based_on": edetail.latest_revision_id,
        "slides": draft.slides_with_placements(),
        "error": error,
        "edit_url": AdminURLFinder(request.user).get_edit_url(edetail),
    }
    return TemplateResponse(request, "modules/arrange_slides.html", context, status=status)
