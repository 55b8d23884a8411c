"""PDF of the session record (reportlab): patient banner, the record's text, a vitals chart
and the signature block. An unsigned record carries an "UNSIGNED DRAFT" watermark on every
page. The text printed is the note as stored (the signed text once signed); before any note
exists it is a fresh draft from the session data, clearly marked as such.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from io import BytesIO
from xml.sax.saxutils import escape

from django.utils import timezone
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.charts.lineplots import LinePlot
from reportlab.graphics.shapes import Drawing, String
from reportlab.graphics.widgets.markers import makeMarker
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from kclinic.web.infusions.models import InfusionSession
from kclinic.web.infusions.services_record import draft_body

_STYLES = getSampleStyleSheet()
_SERIES = (
    ("Systolic mmHg", "systolic", colors.firebrick),
    ("Diastolic mmHg", "diastolic", colors.darkorange),
    ("Heart rate /min", "heart_rate", colors.steelblue),
    ("SpO2 %", "spo2", colors.seagreen),
)


def _local(when: datetime) -> str:
    return timezone.localtime(when).strftime("%Y-%m-%d %H:%M %Z")


def banner_table(session: InfusionSession) -> Table:
    """The patient banner of every screen, on paper: no one reads the wrong patient's record."""
    patient = session.patient
    allergies = ", ".join(a.substance for a in patient.allergies.filter(active=True))
    weight = patient.measurements.first()
    rows = [
        ["Patient", f"{patient.family_name.upper()}, {patient.given_name}", "MRN", patient.mrn],
        ["Born", f"{patient.date_of_birth:%Y-%m-%d}", "Sex", patient.get_sex_display()],
        [
            "Allergies",
            allergies or "none recorded",
            "Weight",
            f"{weight.weight_kg:g} kg ({weight.measured_at:%Y-%m-%d})" if weight else "-",
        ],
    ]
    table = Table(rows, colWidths=[22 * mm, 75 * mm, 18 * mm, 55 * mm])
    table.setStyle(
        TableStyle(
            [
                ("BOX", (0, 0), (-1, -1), 0.8, colors.black),
                ("BACKGROUND", (0, 0), (-1, -1), colors.whitesmoke),
                ("FONTNAME", (0, 0), (0, -1), "Helvetica-Bold"),
                ("FONTNAME", (2, 0), (2, -1), "Helvetica-Bold"),
                ("FONTSIZE", (0, 0), (-1, -1), 9),
            ]
        )
    )
    return table


def vitals_chart(session: InfusionSession) -> Drawing | None:
    """Line chart of the vitals against minutes since the first set (None without vitals)."""
    rows = list(session.vitals.all())
    if not rows:
        return None
    start = rows[0].taken_at
    drawing = Drawing(170 * mm, 75 * mm)
    plot = LinePlot()
    plot.x, plot.y, plot.width, plot.height = 12 * mm, 12 * mm, 110 * mm, 55 * mm
    series, names = [], []
    for label, attr, colour in _SERIES:
        points = [
            ((v.taken_at - start).total_seconds() / 60, float(getattr(v, attr)))
            for v in rows
            if getattr(v, attr) is not None
        ]
        if points:
            series.append(points)
            names.append((colour, label))
    if not series:
        return None
    plot.data = series
    for index, (colour, _) in enumerate(names):
        plot.lines[index].strokeColor = colour
        plot.lines[index].symbol = makeMarker("FilledCircle", size=3)
    plot.xValueAxis.valueMin = 0
    plot.yValueAxis.valueMin = 0
    plot.yValueAxis.valueMax = 220
    plot.yValueAxis.valueStep = 40
    drawing.add(plot)
    drawing.add(String(60 * mm, 2 * mm, "minutes since the first vital signs", fontSize=8))
    legend = Legend()
    legend.x, legend.y = 128 * mm, 60 * mm
    legend.colorNamePairs = names
    legend.fontSize = 8
    drawing.add(legend)
    return drawing


def body_flowables(body: str) -> list[Flowable]:
    """The note's plain text: upper-case lines are section headings, the rest one line each."""
    out: list[Flowable] = []
    for line in body.splitlines():
        if not line.strip():
            out.append(Spacer(1, 2 * mm))
        elif line.isupper() and len(line) < 60:
            out.append(Paragraph(escape(line), _STYLES["Heading4"]))
        else:
            out.append(Paragraph(escape(line), _STYLES["BodyText"]))
    return out


def watermark(text: str) -> Callable[[Canvas, object], None]:
    def draw(canvas: Canvas, _doc: object) -> None:
        canvas.saveState()
        canvas.setFont("Helvetica-Bold", 54)
        canvas.setFillColor(colors.Color(0.8, 0.1, 0.1, alpha=0.18))
        canvas.translate(A4[0] / 2, A4[1] / 2)
        canvas.rotate(45)
        canvas.drawCentredString(0, 0, text)
        canvas.restoreState()

    return draw


def session_record_pdf(
    session: InfusionSession, *, now: datetime | None = None, compress: bool = True
) -> bytes:
    note = session.record_note
    signed = note is not None and note.signed_at is not None
    out = BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=A4,
        title=f"Session record {session.public_id}",
        author="kclinic",
        pageCompression=1 if compress else 0,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=16 * mm,
        bottomMargin=16 * mm,
    )
    story: list[Flowable] = [
        Paragraph("Session record", _STYLES["Title"]),
        banner_table(session),
        Spacer(1, 4 * mm),
    ]
    if note is None:
        story.append(Paragraph("No record note drafted yet: text drafted now.", _STYLES["Italic"]))
        body = draft_body(session, now)
    else:
        story.append(Paragraph(escape(note.title), _STYLES["Heading3"]))
        body = note.body
    story += body_flowables(body)
    chart = vitals_chart(session)
    if chart is not None:
        story += [Paragraph("Vital signs chart", _STYLES["Heading4"]), chart]
    story.append(Paragraph("Signature", _STYLES["Heading4"]))
    if signed and note is not None and note.signed_at is not None:
        lines = [
            f"Signed by {note.signed_name} at {_local(note.signed_at)}",
            f"Meaning: {note.get_signature_meaning_display()}",
            f"SHA-256 of the signed content: {note.content_hash}",
        ]
    else:
        lines = ["UNSIGNED DRAFT: not a signed clinical record."]
    story += [Paragraph(escape(line), _STYLES["BodyText"]) for line in lines]
    story.append(Paragraph(f"Printed {_local(now or timezone.now())}", _STYLES["Italic"]))
    if signed:
        doc.build(story)
    else:
        mark = watermark("UNSIGNED DRAFT")
        doc.build(story, onFirstPage=mark, onLaterPages=mark)
    return out.getvalue()
