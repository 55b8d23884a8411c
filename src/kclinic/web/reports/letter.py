"""The treatment summary letter for the referring clinician (PDF, reportlab).

It says what was given and what changed, course by course, under the named outcome
definitions (with their sources), the cumulative ketamine exposure, side effects, and the
long-term safety checks due. The content streams are left uncompressed: a letter is a few
kilobytes, and its text can then be checked and indexed without a PDF library.
"""

from __future__ import annotations

from decimal import Decimal
from io import BytesIO
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from kclinic.domain.outcomes import OutcomeDefinition
from kclinic.web.accounts.models import User
from kclinic.web.reports.patient_outcomes import CourseOutcome, InstrumentOutcome, PatientOutcomes

_STYLES = getSampleStyleSheet()
_SMALL = _STYLES["BodyText"].clone("small", fontSize=8, leading=10)


def _p(text: str, style: str = "BodyText") -> Paragraph:
    return Paragraph(escape(text), _STYLES[style])


def _ascii(text: str) -> str:
    # The standard PDF fonts have no "≤"; the letter spells it out.
    return text.replace("≤", "<=").replace("≥", ">=").replace("–", "-")


def _pct(baseline: int, latest: int) -> str:
    if baseline == 0:
        return "-"
    change = (Decimal(latest - baseline) * 100 / Decimal(baseline)).quantize(Decimal("0.1"))
    return f"{change:+}%"


def _row(item: InstrumentOutcome) -> list[str]:
    read = item.reading
    baseline = f"{item.baseline[1]} ({item.baseline[0]:%Y-%m-%d})" if item.baseline else "-"
    if read is None:
        return [item.short, item.definition.id if item.definition else "-", baseline,
                "-", "-", "-", "-", _ascii(item.note)]  # fmt: skip
    ttr = read.time_to_response
    response = "no response yet"
    if ttr.first_response is not None:
        response = f"after {ttr.days} days, {ttr.sessions_before} sessions"
    change = _pct(read.trajectory.baseline, read.latest)
    status = "remission" if read.remission_now else "response" if read.response_now else "neither"
    sustained = ", ".join(f"{weeks} wk: {state}" for weeks, state in read.sustained)
    relapse = f"relapse from {read.relapse.onset:%Y-%m-%d}" if read.relapse.onset else "no relapse"
    return [
        item.short,
        read.trajectory.definition_id,
        baseline,
        f"{read.latest} ({read.latest_time:%Y-%m-%d}), {change}",
        status,
        response,
        sustained,
        relapse,
    ]


def _course(course: CourseOutcome) -> list[Flowable]:
    c = course.course
    parts: list[Flowable] = [
        _p(
            f"Course {course.number}: {c.get_modality_display()} for {c.indication_text} "
            f"({c.indication_code}), started {c.started_on:%Y-%m-%d}, now "
            f"{c.get_phase_display().lower()}; {len(course.sessions)} sessions completed.",
            "Heading3",
        )
    ]
    rows = [
        ["Scale", "Definition", "Baseline", "Latest", "Status", "Time to response",
         "Sustained", "Relapse"],
        *[_row(item) for item in course.instruments if item.definition is not None],
    ]  # fmt: skip
    if len(rows) > 1:
        table = Table(
            [[Paragraph(escape(cell), _SMALL) for cell in row] for row in rows],
            colWidths=[16 * mm, 34 * mm, 20 * mm, 24 * mm, 16 * mm, 24 * mm, 24 * mm, 22 * mm],
            repeatRows=1,
        )
        table.setStyle(
            TableStyle(
                [
                    ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                    ("BACKGROUND", (0, 0), (-1, 0), colors.whitesmoke),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ]
            )
        )
        parts.append(table)
    else:
        parts.append(_p("No scored assessments in this course."))
    effects = ", ".join(
        f"{label}: {n} session{'s' if n != 1 else ''}" for label, n in course.side_effects if n
    )
    parts.append(_p(f"Side effects recorded: {effects or 'none of the tracked kinds'}."))
    return parts


def _definitions(found: PatientOutcomes) -> list[OutcomeDefinition]:
    seen: dict[str, OutcomeDefinition] = {}
    for course in found.courses:
        for item in course.instruments:
            if item.reading is not None and item.definition is not None:
                seen.setdefault(item.definition.id, item.definition)
    return list(seen.values())


def summary_letter(found: PatientOutcomes, author: User) -> bytes:
    """The letter as PDF bytes."""
    patient = found.patient
    buffer = BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=15 * mm,
        bottomMargin=15 * mm,
        title=f"Treatment summary: {patient.family_name.upper()}, {patient.given_name}",
        author=author.signature_name,
        subject="Ketamine treatment summary for the referring clinician",
        pageCompression=0,
    )
    e = found.exposure
    story: list[Flowable] = [
        _p(f"{patient.clinic.name} - {patient.site.name}", "Heading2"),
        _p(f"Treatment summary, {found.today:%Y-%m-%d}", "Title"),
        _p(
            f"Patient: {patient.family_name.upper()}, {patient.given_name}; born "
            f"{patient.date_of_birth:%Y-%m-%d}; MRN {patient.mrn}."
        ),
        Spacer(1, 4 * mm),
        _p("Dear colleague,"),
        _p(
            f"Thank you for referring {patient.given_name} {patient.family_name}. This letter "
            "summarises the ketamine treatment given at our clinic and the response measured "
            "with validated scales, judged under the definitions named below."
        ),
    ]
    for course in found.courses:
        story += [Spacer(1, 3 * mm), *_course(course)]
    story += [
        _p("Cumulative ketamine exposure", "Heading3"),
        _p(
            f"{e.sessions} dosed sessions, {e.total_mg} mg in total ({e.total_mg_per_kg} "
            f"mg/kg); in the last {e.window_days} days {e.window_sessions} sessions, "
            f"{e.window_mg} mg ({e.window_mg_per_kg} mg/kg)."
        ),
        _p("Long-term safety follow-up", "Heading3"),
    ]
    if found.findings:
        story += [_p(f"{f.title}: {f.detail}") for f in found.findings]
    else:
        story.append(_p("No follow-up checks are due under the clinic's rules today."))
    definitions = _definitions(found)
    if definitions:
        story.append(_p("Outcome definitions used", "Heading3"))
        story += [
            Paragraph(
                escape(_ascii(f"{d.id}: {d.description}. Source: {d.response.source.citation}")),
                _SMALL,
            )
            for d in definitions
        ]
    story += [
        Spacer(1, 6 * mm),
        _p("Yours sincerely,"),
        _p(author.signature_name),
        Paragraph(
            escape(
                "Generated from the clinic record by kclinic. Scores are totals of validated "
                "instruments; response and remission follow the named published definitions."
            ),
            _SMALL,
        ),
    ]
    doc.build(story)
    return buffer.getvalue()
