"""Engagement reports in Wagtail admin → Reports: per assembly and per module, with charts and CSV.

Views stay thin: resolve the caller's products (engagement/access.py), validate the filter form,
call a selector of engagement/analytics.py, render or export. A caller without a reports role gets
a 403 page (not Wagtail's redirect), and an invalid filter a 400 naming the problem.
"""

import csv
import io
import re
from urllib.parse import urlencode

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone

from engagement import analytics
from engagement.access import report_products
from engagement.forms import ReportFilterForm
from review.exports import LINE_END, csv_cell

CONTENT_ID = re.compile(r"^[a-z]{1,40}-[0-9]{1,18}$")


def _header(title: str, *parents: tuple[str, str]) -> dict:
    crumbs = [{"url": reverse("wagtailadmin_home"), "label": "Home"}]
    crumbs += [{"url": url, "label": label} for url, label in parents]
    crumbs.append({"url": "", "label": title})
    return {"breadcrumbs_items": crumbs, "header_title": title}


def _refused(request, message: str, status: int) -> TemplateResponse:
    context = {"message": message, **_header("Engagement reports")}
    return TemplateResponse(request, "engagement/refused.html", context, status=status)


def _filtered(request):
    """(form, filter) for this caller, or a response refusing them (403) or their filter (400)."""
    try:
        products = report_products(request.user)
    except PermissionDenied as error:
        return None, None, _refused(request, str(error), 403)
    form = ReportFilterForm(request.GET or None, products=products)
    if request.GET and not form.is_valid():
        problems = "; ".join(
            f"{form.fields[name].label or name}: {' '.join(errors)}"
            if name != "__all__"
            else " ".join(errors)
            for name, errors in form.errors.items()
        )
        return form, None, _refused(request, f"The filter is not valid — {problems}", 400)
    report = form.report_filter() if request.GET else analytics.ReportFilter(products=products)
    return form, report, None


def _csv_response(rows, *, filename: str, comment: str) -> HttpResponse:
    buffer = io.StringIO(newline="")
    buffer.write(f"# {comment}{LINE_END}")
    writer = csv.writer(buffer, lineterminator=LINE_END)
    writer.writerow(analytics.BREAKDOWN_COLUMNS)
    for row in rows:
        writer.writerow([csv_cell(value) for value in row])
    response = HttpResponse(buffer.getvalue().encode(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _stamp() -> str:
    return timezone.now().strftime("%Y%m%d-%H%M")


def assemblies_report(request):
    form, report, refused = _filtered(request)
    if refused:
        return refused
    rows = analytics.assemblies_summary(report)
    if request.GET.get("export") == "csv":
        return _csv_response(
            analytics.breakdown_rows(report, [row["content_id"] for row in rows]),
            filename=f"engagement-assemblies-{_stamp()}.csv",
            comment="Engagement per assembly: one row per UTC day, market, channel, specialty and type.",
        )
    for row in rows:
        row["url"] = reverse("engagement_admin:assembly", args=[row["content_id"]])
        row["values"] = _values(row)
    context = {
        "form": form,
        "rows": rows,
        "metrics": analytics.METRICS,
        "query": urlencode(report.as_query()),
        "chart": _bar_chart(
            "Sends, opens and clicks per assembly", rows, "title", ["sent", "opened", "clicked"]
        ),
        **_header("Engagement by assembly"),
    }
    return TemplateResponse(request, "engagement/assemblies.html", context)


def assembly_report(request, content_id: str):
    form, report, refused = _filtered(request)
    if refused:
        return refused
    if not CONTENT_ID.match(content_id):
        raise Http404("No such assembly.")
    breakdown = analytics.assembly_breakdown(report, content_id)
    if breakdown is None:
        raise Http404("No engagement you may see for this assembly with this filter.")
    if request.GET.get("export") == "csv":
        return _csv_response(
            analytics.breakdown_rows(report, [content_id]),
            filename=f"engagement-{content_id}-{_stamp()}.csv",
            comment=f"Engagement of {breakdown.title} ({content_id}): one row per UTC day, market, "
            "channel, specialty and type.",
        )
    for row in breakdown.by_week:
        row["label"] = f"Week of {row['week']:%Y-%m-%d}"
    tables = [
        ("Week", [(row["label"], _values(row)) for row in breakdown.by_week]),
        ("Market", [(row["market"], _values(row)) for row in breakdown.by_market]),
        ("Channel", [(row["channel"], _values(row)) for row in breakdown.by_channel]),
        ("Specialty", [(row["specialty"] or "Unknown", _values(row)) for row in breakdown.by_specialty]),
    ]
    charts = [
        _line_chart("Per week", breakdown.by_week, "label", ["sent", "opened", "clicked"]),
        _bar_chart("By market", breakdown.by_market, "market", ["sent", "opened", "clicked"]),
        _bar_chart(
            "By channel", breakdown.by_channel, "channel", ["sent", "opened", "clicked", "slide_views"]
        ),
        _bar_chart(
            "By specialty", _labelled(breakdown.by_specialty), "specialty", ["sent", "opened", "clicked"]
        ),
    ]
    if breakdown.by_slide:
        charts.append(
            _bar_chart(
                "Slide dwell (s)", breakdown.by_slide, "slide", ["dwell_s"], labels={"dwell_s": "Dwell (s)"}
            )
        )
    for number, chart in enumerate(charts, start=1):
        chart["id"] = f"chart-{number}"
    context = {
        "form": form,
        "breakdown": breakdown,
        "totals": _values(breakdown.totals),
        "tables": tables,
        "content_id": content_id,
        "metrics": analytics.METRICS,
        "query": urlencode(report.as_query()),
        "charts": charts,
        **_header(breakdown.title, (reverse("engagement_admin:assemblies"), "Engagement by assembly")),
    }
    return TemplateResponse(request, "engagement/assembly.html", context)


def modules_report(request):
    form, report, refused = _filtered(request)
    if refused:
        return refused
    modules = analytics.modules_reuse(report)
    saved = analytics.time_saved_estimate()
    if request.GET.get("export") == "csv":
        content_ids = {
            row["content_id"] for module in modules for row in analytics.module_contexts(report, module)
        }
        return _csv_response(
            analytics.breakdown_rows(report, sorted(content_ids)),
            filename=f"engagement-modules-{_stamp()}.csv",
            comment="Engagement of the assemblies that reuse approved modules: one row per UTC day, "
            "market, channel, specialty and type.",
        )
    for module in modules:
        module.url = reverse("engagement_admin:module", args=[module.module_id])
        module.days_saved = saved.days_for(module.assembly_reviews)
        module.values = _values(module.totals)
    context = {
        "form": form,
        "modules": modules,
        "saved": saved,
        "metrics": analytics.METRICS,
        "query": urlencode(report.as_query()),
        **_header("Module reuse"),
    }
    return TemplateResponse(request, "engagement/modules.html", context)


def module_report(request, module_id: str):
    form, report, refused = _filtered(request)
    if refused:
        return refused
    if not CONTENT_ID.match(module_id):
        raise Http404("No such module.")
    reuse = next((m for m in analytics.modules_reuse(report) if m.module_id == module_id), None)
    if reuse is None:
        raise Http404("No approved assembly you may see reuses this module.")
    contexts = analytics.module_contexts(report, reuse)
    saved = analytics.time_saved_estimate()
    for row in contexts:
        row["label"] = f"{row['title']} · {row['market']} · {row['channel']}"
        row["url"] = reverse("engagement_admin:assembly", args=[row["content_id"]])
        row["values"] = _values(row)
    context = {
        "form": form,
        "reuse": reuse,
        "contexts": contexts,
        "saved": saved,
        "days_saved": saved.days_for(reuse.assembly_reviews),
        "metrics": analytics.METRICS,
        "query": urlencode(report.as_query()),
        "chart": _bar_chart("Per assembly context", contexts, "label", ["sent", "opened", "clicked"]),
        **_header(reuse.title, (reverse("engagement_admin:modules"), "Module reuse")),
    }
    return TemplateResponse(request, "engagement/module.html", context)


# --- chart data: drawn by engagement/reports.js with Chart.js; the template also renders it as a table


def _values(row) -> list:
    """The row's metrics in the order of the table's columns."""
    return [row.get(key) or 0 for key, _label, _type in analytics.METRICS]


def _labelled(rows):
    for row in rows:
        row["specialty"] = row["specialty"] or "Unknown"
    return rows


def _series(rows, label_key, keys, labels=None):
    names = {key: label for key, label, _type in analytics.METRICS} | (labels or {})
    return {
        "labels": [str(row[label_key]) for row in rows],
        "datasets": [{"label": names[key], "data": [row[key] for row in rows]} for key in keys],
        # The same numbers as a table: the accessible fallback the template renders under the chart.
        "headings": [names[key] for key in keys],
        "rows": [(str(row[label_key]), [row[key] for key in keys]) for row in rows],
    }


def _bar_chart(title, rows, label_key, keys, labels=None):
    return {"title": title, "kind": "bar", **_series(rows, label_key, keys, labels)}


def _line_chart(title, rows, label_key, keys, labels=None):
    return {"title": title, "kind": "line", **_series(rows, label_key, keys, labels)}
