"""A fictional brand with enough content to try every screen: modules, an e-detail, an email, an invitation."""

import io

from django.core.files.base import ContentFile
from PIL import Image, ImageDraw

from modules.models import (
    Reference,
)
from modules.uploads import verify_image

MARKETS = [
    ("US-en", "US", "en", "United States"),
    ("GB-en", "GB", "en", "United Kingdom"),
    ("DE-de", "DE", "de", "Germany"),
]
SPECIALTIES = [
    ("cardiology", "Cardiology"),
    ("internal-medicine", "Internal medicine"),
    ("primary-care", "Primary care"),
]
ALL_CHANNELS = ["email", "edetail", "invitation", "web"]

REFERENCES = [
    (
        "Cardiozen US Prescribing Information",
        Reference.LABEL,
        "Cardiozen (rivaroxatide) Prescribing Information. Example Pharma Inc; 2026.",
    ),
    (
        "HEART-RX trial",
        Reference.PUBLICATION,
        "Okafor N, Lindqvist A, Mehta R, et al. Rivaroxatide in heart failure with reduced ejection fraction. N Engl J Med. 2025;393:1021-1032.",
    ),
    (
        "HEART-RX long-term extension",
        Reference.PUBLICATION,
        "Mehta R, Okafor N, Brandt S, et al. Five-year outcomes with rivaroxatide. Lancet. 2026;407:55-66.",
    ),
    ("Data on file: adherence", Reference.DATA_ON_FILE, "Data on file. Example Pharma Inc; DOF-2026-017."),
]

CLAIMS = [
    (
        "30% fewer CV deaths or HF hospitalisations",
        "Cardiozen reduced the risk of cardiovascular death or heart-failure hospitalisation by 30% versus placebo.",
        "HR 0.70; 95% CI 0.61–0.80; p<0.001.",
        1,
        "page",
        "1025",
        "The primary outcome occurred in 16.3% vs 22.1% (HR 0.70; 95% CI 0.61-0.80).",
    ),
    (
        "Benefit seen within 30 days",
        "Separation of event curves was seen within the first 30 days of treatment.",
        "",
        1,
        "figure",
        "2",
        "Kaplan-Meier curves separated by day 28.",
    ),
    (
        "Once-daily oral dosing",
        "One tablet, once a day, with or without food.",
        "",
        0,
        "section",
        "2.1",
        "Take one 10 mg tablet orally once daily with or without food.",
    ),
    (
        "No routine monitoring",
        "No routine coagulation monitoring is required.",
        "",
        0,
        "section",
        "5.2",
        "Routine monitoring of coagulation parameters is not required.",
    ),
    (
        "Sustained benefit to 5 years",
        "The reduction in events was sustained over five years of follow-up.",
        "Open-label extension; exploratory analysis.",
        2,
        "table",
        "3",
        "Event rate ratio 0.72 at year 5.",
    ),
    (
        "Fewer HF hospitalisations",
        "Cardiozen reduced first heart-failure hospitalisation by 33%.",
        "Secondary end point.",
        1,
        "page",
        "1027",
        "First hospitalisation for HF: HR 0.67.",
    ),
    (
        "High adherence",
        "9 in 10 patients were still taking Cardiozen at 12 months.",
        "Real-world cohort, n=4,210.",
        3,
        "page",
        "4",
        "Persistence at 12 months was 90.4%.",
    ),
    (
        "Consistent across subgroups",
        "The benefit was consistent across prespecified subgroups, including patients with diabetes.",
        "",
        1,
        "figure",
        "3",
        "No significant heterogeneity across subgroups (p-interaction >0.1).",
    ),
]

TEXT_BLOCKS = [
    (
        "Welcome",
        "<p>Thank you for your time today. Here is an update on <b>Cardiozen</b> for your patients with HFrEF.</p>",
    ),
    (
        "Mechanism of action",
        "<p>Rivaroxatide is a selective factor Xa–myosin modulator that improves cardiac efficiency.</p>",
    ),
    (
        "Who may benefit",
        "<p>Adults with symptomatic chronic heart failure and reduced ejection fraction (LVEF ≤40%).</p>",
    ),
    ("Starting treatment", "<p>Start at 10 mg once daily. No titration is needed.</p>"),
    (
        "Patient support",
        "<p>The Cardiozen Support Programme offers co-pay assistance and nurse educators.</p>",
    ),
    (
        "Closing",
        "<p>Please get in touch if you would like samples or a visit from a medical science liaison.</p>",
    ),
]

ISI_TEXT = {
    "US-en": "<p>Cardiozen may cause serious bleeding. Do not use in patients with active pathological bleeding or severe hepatic impairment. The most common adverse reactions (≥5%) were dizziness and hypotension.</p>",
    "GB-en": "<p><b>Prescribing information and adverse event reporting</b></p><p>Cardiozen may increase the risk of bleeding. Adverse events should be reported via the Yellow Card scheme.</p>",
    "DE-de": "<p><b>Pflichttext</b></p><p>Cardiozen kann schwere Blutungen verursachen. Nicht anwenden bei aktiver Blutung oder schwerer Leberfunktionsstörung.</p>",
}


def chart_png(values: list[int], colour: str) -> ContentFile:
    """A small bar chart, so the demo has real image bytes that pass the upload checks."""
    image = Image.new("RGB", (640, 360), "white")
    draw = ImageDraw.Draw(image)
    width = 560 // len(values)
    for index, value in enumerate(values):
        left = 40 + index * width
        draw.rectangle([left + 10, 320 - value * 2.5, left + width - 10, 320], fill=colour)
    draw.line([30, 320, 620, 320], fill="black", width=2)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return verify_image(ContentFile(buffer.getvalue(), name="chart.png"))


def tiny_reference_pdf(title: str) -> ContentFile:
    buffer = io.BytesIO()
    page = Image.new("RGB", (595, 842), "white")
    ImageDraw.Draw(page).text((40, 40), title, fill="black")
    page.save(buffer, format="PDF")
    return ContentFile(buffer.getvalue(), name="reference.pdf")
