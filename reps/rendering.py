"""What reps see and send: an approved revision rendered as approved, and the personalised email.

The email is the approved rendering with only the personalisation slots filled from records; the
HTML's approved links are then pointed at signed click redirects and an open pixel is appended.
"""

import html
import re
from dataclasses import dataclass
from email.utils import formataddr

from django.conf import settings
from django.template.loader import render_to_string

from modules.models import Reference, SafetyInformation
from modules.rendering import render_edetail, render_email, render_invitation, render_module
from review.selectors import approval_in_force

from .links import click_path, open_path, unsubscribe_path
from .selectors import ApprovedItem

HREF = re.compile(r'href="([^"]*)"')


def public_url(path: str) -> str:
    return settings.REPS_PUBLIC_BASE_URL.rstrip("/") + path


def module_safety(item: ApprovedItem, *, markets, base_url: str) -> list[str]:
    """The approved safety information in force for a module's products in these markets."""
    obj = item.obj
    if isinstance(obj, SafetyInformation | Reference) or not hasattr(obj, "products"):
        return []
    product_ids = [p.pk for p in obj.products.all()]
    candidates = SafetyInformation.objects.filter(products__in=product_ids, markets__code__in=markets)
    fragments = []
    for isi in candidates.distinct().order_by("pk"):
        record = approval_in_force(isi)
        if record is not None:
            fragments.append(render_module(record.revision.as_object(), base_url=base_url))
    return fragments


def approved_render(item: ApprovedItem, *, markets, base_url: str) -> str:
    """The approved revision as a standalone HTML document, exactly as approved (slots left as tags)."""
    obj, job_code = item.obj, item.approval.job_code
    kind = obj._meta.model_name
    if kind == "email":
        return render_email(obj, job_code=job_code, base_url=base_url).html
    if kind == "edetail":
        return render_edetail(obj, job_code=job_code, base_url=base_url)
    if kind == "invitation":
        return render_invitation(obj, job_code=job_code, base_url=base_url)
    context = {
        "object": obj,
        "fragment": render_module(obj, base_url=base_url),
        "safety": module_safety(item, markets=markets, base_url=base_url),
        "job_code": job_code,
    }
    return render_to_string("reps/module_render.html", context)


def rep_display_name(rep) -> str:
    return rep.get_full_name() or rep.get_username()


@dataclass(frozen=True)
class PersonalisedEmail:
    subject: str
    html: str
    text: str
    from_email: str
    reply_to: str
    headers: dict[str, str]
    link_targets: list[str]


def slot_values(*, hcp, rep, send_token: str) -> dict[str, str]:
    """Every slot comes from records: the HCP's name, the rep's name and signature, the unsubscribe link."""
    name = rep_display_name(rep)
    return {
        "recipient_name": hcp.name,
        "rep_name": name,
        "rep_signature": f"{name} · {rep.email}",
        "unsubscribe_url": public_url(unsubscribe_path(send_token)),
    }


def approved_links(html_text: str, *, excluding: str) -> list[str]:
    """The http(s) links of an approved rendering (the unsubscribe link aside), in order, once each."""
    urls = [html.unescape(u) for u in HREF.findall(html_text)]
    return list(dict.fromkeys(u for u in urls if u.startswith(("https://", "http://")) and u != excluding))


def personalised_email(*, item: ApprovedItem, hcp, rep, send_token: str) -> PersonalisedEmail:
    """The exact message a send delivers (the preview shows this too)."""
    slots = slot_values(hcp=hcp, rep=rep, send_token=send_token)
    base_url = settings.REPS_PUBLIC_BASE_URL.rstrip("/")
    rendered = render_email(
        item.obj, job_code=item.approval.job_code, personalisation=slots, base_url=base_url
    )
    targets = approved_links(rendered.html, excluding=slots["unsubscribe_url"])

    def tracked(match):
        url = html.unescape(match.group(1))
        if url not in targets:
            return match.group(0)
        return f'href="{html.escape(public_url(click_path(send_token, url)))}"'

    pixel = (
        f'<img src="{html.escape(public_url(open_path(send_token)))}" width="1" height="1" alt="" '
        'style="display:block;border:0;width:1px;height:1px">'
    )
    body = HREF.sub(tracked, rendered.html).replace("</body>", f"{pixel}\n</body>", 1)
    return PersonalisedEmail(
        subject=rendered.subject,
        html=body,
        text=rendered.text,
        from_email=formataddr((rep_display_name(rep), settings.REPS_EMAIL_FROM)),
        reply_to=rep.email,
        headers={
            "List-Unsubscribe": f"<{slots['unsubscribe_url']}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "X-Job-Code": item.approval.job_code,
        },
        link_targets=targets,
    )
