"""The discharge instructions handed to the patient: a text template the clinic owns.

The wording is `templates/infusions/instructions_text.html` (plain text, no HTML). A clinic
changes it by placing its own file of the same name in a template directory searched first
(src/kclinic/web/templates/infusions/, see docs/clinical/discharge.md); the default is marked
"CLINIC TO REVIEW" until the medical director replaces it. The text given at discharge is
stored on the Discharge row, so a later change of template never rewrites what a patient
was told.
"""

from __future__ import annotations

from datetime import datetime

from django.template.loader import render_to_string
from django.utils import timezone

from kclinic.domain.monitoring_discharge import ESCORT
from kclinic.web.courses.models import Modality
from kclinic.web.infusions.models import InfusionSession

TEMPLATE = "infusions/instructions_text.html"


def render_instructions(session: InfusionSession, *, escort_name: str, at: datetime) -> str:
    """The instructions for `session`'s patient leaving at `at` with `escort_name`."""
    patient = session.patient
    labels = dict(Modality.choices)
    context = {
        "patient_name": patient.full_name,
        "site_name": session.site.name,
        "treatment": labels.get(session.modality, session.modality),
        "esketamine": session.modality == Modality.ESKETAMINE,
        "left_at": timezone.localtime(at).strftime("%Y-%m-%d %H:%M"),
        "escort_name": escort_name,
        "driving_source": ESCORT,
    }
    text = render_to_string(TEMPLATE, context)
    # One blank line between paragraphs, whatever the template's own spacing.
    lines = [line.rstrip() for line in text.strip().splitlines()]
    out: list[str] = []
    for line in lines:
        if line or (out and out[-1]):
            out.append(line)
    return "\n".join(out)
