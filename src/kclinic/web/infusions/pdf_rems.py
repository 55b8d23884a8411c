"""The REMS Patient Monitoring Form's fields on paper (reportlab), grouped as on the form
(reference 3.6), with the completion and submission status. It is kclinic's copy of the data
for the clinic's file and for typing into the REMS; not the official form.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from io import BytesIO
from typing import Any
from xml.sax.saxutils import escape

from django.utils import timezone
from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Paragraph, Spacer, Table, TableStyle

from kclinic.domain import rems
from kclinic.web.infusions.models import InfusionSession, RemsForm
from kclinic.web.infusions.pdf_common import STYLES, banner_table, build, document

# (section, ((field, label), ...)) in the order of the form; every field of the core's form.
SECTIONS: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = (
    ("Patient", (
        ("patient_first_name", "First name"),
        ("patient_middle_initial", "Middle initial"),
        ("patient_last_name", "Last name"),
        ("patient_birthdate", "Date of birth"),
        ("patient_sex", "Sex"),
    )),
    ("Concomitant medication", (
        ("takes_benzodiazepines", "Benzodiazepines"),
        ("takes_non_benzodiazepine_sedative_hypnotics", "Non-benzodiazepine sedative hypnotics"),
        ("takes_psychostimulants", "Psychostimulants"),
        ("takes_maois", "MAOIs"),
    )),
    ("Monitoring healthcare provider", (
        ("hcp_first_name", "First name"),
        ("hcp_last_name", "Last name"),
        ("hcp_telephone", "Telephone"),
        ("hcp_email", "Email"),
    )),
    ("Healthcare setting", (
        ("setting_name", "Name"),
        ("setting_address_1", "Address 1"),
        ("setting_address_2", "Address 2"),
        ("setting_city", "City"),
        ("setting_state", "State"),
        ("setting_zip", "ZIP"),
    )),
    ("Session", (
        ("treatment_date", "Treatment date"),
        ("dose_mg", "Dose administered (mg)"),
        ("lot_number", "Lot number"),
        ("first_device_at", "First device administered at"),
    )),
    ("Treatment duration", (
        ("total_monitoring_minutes", "Total minutes, first device to end of monitoring"),
        ("ready_to_leave_minutes", "Without the 2-hour rule, ready to leave after (min)"),
    )),
    ("Vital signs", (
        ("vitals_acceptable_before_administration", "Acceptable before administration"),
        ("vitals_acceptable_before_completion", "Acceptable before session completion"),
    )),
    ("Blood pressure", (
        ("bp_before_administration", "Before administration"),
        ("bp_40_min", "About 40 min after administration"),
        ("bp_before_completion", "Before session completion"),
    )),
    ("Adverse outcomes", (
        ("sedation", "Sedation"),
        ("dissociation", "Dissociation"),
        ("respiratory_depression", "Respiratory depression"),
    )),
)  # fmt: skip
LABELS = {name: label for _, rows in SECTIONS for name, label in rows}


def shown(name: str, value: Any) -> str:
    """A stored JSON value as a person reads it."""
    if value is None or value == "":
        return "-"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, dict):
        at = timezone.localtime(datetime.fromisoformat(value["at"])).strftime("%H:%M")
        return f"{value['sbp_mmhg']}/{value['dbp_mmhg']} mmHg at {at}"
    if name == "first_device_at":
        return timezone.localtime(datetime.fromisoformat(value)).strftime("%Y-%m-%d %H:%M")
    return str(value)


def rems_pdf(
    session: InfusionSession,
    data: Mapping[str, Any],
    problems: tuple[str, ...],
    *,
    compress: bool = True,
) -> bytes:
    form = RemsForm.objects.filter(session=session).first()
    out = BytesIO()
    doc = document(
        out,
        title=f"SPRAVATO REMS Patient Monitoring Form data {session.public_id}",
        compress=compress,
    )
    story: list[Flowable] = [
        Paragraph("SPRAVATO REMS Patient Monitoring Form: session data", STYLES["Title"]),
        banner_table(session),
        Spacer(1, 3 * mm),
        Paragraph(
            escape(
                f"Form version {data.get('form_version', rems.FORM_VERSION)}. Submit within "
                f"{rems.SUBMIT_WITHIN_DAYS.value} days of treatment on the official form "
                "(SPRAVATOrems.com, or fax 1-877-778-0091). Source: "
                f"{rems.REMS_PROGRAM.url}"
            ),
            STYLES["Italic"],
        ),
    ]
    for title, rows in SECTIONS:
        table = Table(
            [[label, shown(name, data.get(name))] for name, label in rows],
            colWidths=[85 * mm, 85 * mm],
        )
        table.setStyle(
            TableStyle(
                [
                    ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                    ("FONTSIZE", (0, 0), (-1, -1), 9),
                    ("FONTNAME", (0, 0), (0, -1), "Helvetica-Bold"),
                ]
            )
        )
        story += [Paragraph(title, STYLES["Heading4"]), table]
    story.append(Paragraph("Status", STYLES["Heading4"]))
    status = [f"Clinician confirmed the medicines: {shown('', data.get('medications_confirmed'))}"]
    if form is not None and form.completed_at is not None and form.completed_by is not None:
        when = timezone.localtime(form.completed_at).strftime("%Y-%m-%d %H:%M")
        status.append(f"Completed by {form.completed_by.signature_name} at {when}")
    else:
        status.append("NOT COMPLETE")
        status += [f"Missing or wrong: {p}" for p in problems]
    treated = data.get("treatment_date")
    if treated:
        status.append(f"Due: {rems.submission_due(date.fromisoformat(treated))}")
    if form is not None and form.submitted_on is not None:
        ref = f", reference {form.submission_reference}" if form.submission_reference else ""
        status.append(f"Submitted on {form.submitted_on}{ref}")
    story += [Paragraph(escape(line), STYLES["BodyText"]) for line in status]
    complete = form is not None and form.completed_at is not None
    build(doc, story, mark=None if complete else "NOT COMPLETE")
    return out.getvalue()
