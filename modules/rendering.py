"""Turns assemblies and modules into what channels deliver: email HTML/text, slide decks, invitations."""

import re
from dataclasses import dataclass
from html import unescape

import css_inline
import icalendar
from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.html import strip_tags

from .models import (
    PERSONALISATION_SLOTS,
    Claim,
    EDetail,
    Email,
    Invitation,
    Module,
    Reference,
    SafetyInformation,
)

JOB_CODE_PENDING = "JOB CODE PENDING APPROVAL"


class PersonalisationError(ValueError):
    """A sender tried to fill something that is not a defined personalisation slot."""


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    preheader: str
    html: str
    text: str


# Email rules go inline for clients that drop <style>; @media rules cannot be inlined, so they stay
# in the head for the phone layout of clients that do read it.
EMAIL_INLINER = css_inline.CSSInliner(keep_at_rules=True)


def merge_tags(values: dict[str, str] | None) -> dict[str, str]:
    """Slot values, with unfilled slots left as merge tags for the email platform to fill."""
    values = values or {}
    unknown = sorted(set(values) - set(PERSONALISATION_SLOTS))
    if unknown:
        allowed = ", ".join(PERSONALISATION_SLOTS)
        raise PersonalisationError(
            f"Unknown personalisation slot(s): {', '.join(unknown)}. Allowed: {allowed}."
        )
    return {slot: values.get(slot, f"{{{{{slot}}}}}") for slot in PERSONALISATION_SLOTS}


def render_module(
    module: Module, *, fmt: str = "html", reference_numbers: dict | None = None, base_url: str | None = None
) -> str:
    """One module as an HTML or plain-text fragment; claims cite references by number."""
    module = module.specific if type(module) is Module else module
    context = {"module": module, "base_url": settings.WAGTAILADMIN_BASE_URL if base_url is None else base_url}
    if fmt == "txt" and hasattr(module, "body"):
        context["body_text"] = rich_text_as_plain(module.body)
    if isinstance(module, Claim):
        context["citation_numbers"] = sorted(
            {(reference_numbers or {}).get(c.reference_id) for c in module.citations.all()} - {None}
        )
    return render_to_string(f"modules/render/{module._meta.model_name}.{fmt}", context).strip()


def reference_numbers(modules: list[Module]) -> dict[int, int]:
    """Numbers for every reference the claims cite, in order of first citation."""
    numbers: dict[int, int] = {}
    for module in modules:
        if isinstance(module, Claim):
            for citation in module.citations.all():
                numbers.setdefault(citation.reference_id, len(numbers) + 1)
    return numbers


def referenced(numbers: dict[int, int]) -> list[Reference]:
    by_pk = Reference.objects.in_bulk(list(numbers))
    return [by_pk[pk] for pk in sorted(numbers, key=numbers.get) if pk in by_pk]


def fragments(
    modules: list[Module], numbers: dict[int, int], fmt: str, base_url: str | None = None
) -> list[str]:
    return [render_module(m, fmt=fmt, reference_numbers=numbers, base_url=base_url) for m in modules]


def rich_text_as_plain(html: str) -> str:
    """Rich text as plain text, keeping paragraphs and list items on lines of their own."""
    html = re.sub(r"(?i)<br\s*/?>", "\n", html)
    html = re.sub(r"(?i)</(p|li|h[1-6])>", "\n", html)
    return unescape(strip_tags(html)).strip()


def render_email(
    email: Email,
    *,
    job_code: str | None = None,
    personalisation: dict | None = None,
    base_url: str | None = None,
) -> RenderedEmail:
    modules = [placement.pinned_module for placement in email.placements.all()]
    body = [m for m in modules if not isinstance(m, SafetyInformation)]
    safety = [m for m in modules if isinstance(m, SafetyInformation)]
    numbers = reference_numbers(body)
    context = {
        "email": email,
        "references": referenced(numbers),
        "job_code": job_code or JOB_CODE_PENDING,
        "slots": merge_tags(personalisation),
    }
    html = render_to_string(
        "modules/email.html",
        {
            **context,
            "body": fragments(body, numbers, "html", base_url),
            "safety": fragments(safety, numbers, "html"),
        },
    )
    text = render_to_string(
        "modules/email.txt",
        {**context, "body": fragments(body, numbers, "txt"), "safety": fragments(safety, numbers, "txt")},
    )
    return RenderedEmail(
        subject=email.subject,
        preheader=email.preheader,
        html=EMAIL_INLINER.inline(html),
        text=_tidy_text(text),
    )


def _tidy_text(text: str) -> str:
    lines = [line.rstrip() for line in strip_tags(text).splitlines()]
    tidy: list[str] = []
    for line in lines:
        if line or (tidy and tidy[-1]):
            tidy.append(line)
    return "\n".join(tidy).strip() + "\n"


def render_edetail(edetail: EDetail, *, job_code: str | None = None, base_url: str | None = None) -> str:
    slides = [
        (slide, [placement.pinned_module for placement in placements])
        for slide, placements in edetail.slides_with_placements()
    ]
    numbers = reference_numbers([m for _, modules in slides for m in modules])
    context = {
        "edetail": edetail,
        "slides": [(slide, fragments(modules, numbers, "html", base_url)) for slide, modules in slides],
        "references": referenced(numbers),
        "job_code": job_code or JOB_CODE_PENDING,
    }
    return render_to_string("modules/edetail.html", context)


def render_invitation(
    invitation: Invitation, *, job_code: str | None = None, base_url: str | None = None
) -> str:
    modules = [placement.pinned_module for placement in invitation.placements.all()]
    numbers = reference_numbers(modules)
    context = {
        "invitation": invitation,
        "modules": fragments(modules, numbers, "html", base_url),
        "references": referenced(numbers),
        "job_code": job_code or JOB_CODE_PENDING,
    }
    return css_inline.inline(render_to_string("modules/invitation.html", context))


def invitation_ics(invitation: Invitation, *, job_code: str | None = None, stamp=None) -> bytes:
    """An iCalendar file for the event, with the compliance text in its description.

    `stamp` fixes DTSTAMP (delivery passes the approval time, so the file is byte-identical on every call).
    """
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//Modular content MLR//Invitation//EN")
    calendar.add("version", "2.0")
    event = icalendar.Event()
    event.add("uid", f"invitation-{invitation.pk}@modular-content")
    event.add("dtstamp", stamp or timezone.now())
    event.add("summary", invitation.event_title)
    event.add("dtstart", invitation.starts_at)
    event.add("dtend", invitation.ends_at)
    event.add("location", invitation.venue or invitation.virtual_link)
    if invitation.virtual_link:
        event.add("url", invitation.virtual_link)
    description = "\n\n".join(
        [
            f"Speaker: {invitation.speaker}",
            invitation.agenda,
            f"RSVP: {invitation.rsvp_url}",
            invitation.compliance_text,
            job_code or JOB_CODE_PENDING,
        ]
    )
    event.add("description", description)
    calendar.add_component(event)
    return calendar.to_ical()
