"""PDF of the session record (reportlab): patient banner, the record's text, a vitals chart
and the signature block. An unsigned record carries an "UNSIGNED DRAFT" watermark on every
page. The text printed is the note as stored (the signed text once signed); before any note
exists it is a fresh draft from the session data, clearly marked as such.
"""

from __future__ import annotations

from datetime import datetime
from io import BytesIO
from xml.sax.saxutils import escape

from django.utils import timezone
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.charts.lineplots import LinePlot
from reportlab.graphics.shapes import Drawing, String
from reportlab.graphics.widgets.markers import makeMarker
from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Paragraph, Spacer

from kclinic.web.infusions.models import InfusionSession
from kclinic.web.infusions.pdf_common import STYLES, banner_table, build, document
from kclinic.web.infusions.services_record import draft_body

_SERIES = (
    ("Systolic mmHg", "systolic", colors.firebrick),
    ("Diastolic mmHg", "diastolic", colors.darkorange),
    ("Heart rate /min", "heart_rate", colors.steelblue),
    ("SpO2 %", "spo2", colors.seagreen),
)


def _local(when: datetime) -> str:
    return timezone.localtime(when).strftime("%Y-%m-%d %H:%M %Z")


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
            out.append(Paragraph(escape(line), STYLES["Heading4"]))
        else:
            out.append(Paragraph(escape(line), STYLES["BodyText"]))
    return out


def session_record_pdf(
    session: InfusionSession, *, now: datetime | None = None, compress: bool = True
) -> bytes:
    note = session.record_note
    signed = note is not None and note.signed_at is not None
    out = BytesIO()
    doc = document(out, title=f"Session record {session.public_id}", compress=compress)
    story: list[Flowable] = [
        Paragraph("Session record", STYLES["Title"]),
        banner_table(session),
        Spacer(1, 4 * mm),
    ]
    if note is None:
        story.append(Paragraph("No record note drafted yet: text drafted now.", STYLES["Italic"]))
        body = draft_body(session, now)
    else:
        story.append(Paragraph(escape(note.title), STYLES["Heading3"]))
        body = note.body
    story += body_flowables(body)
    chart = vitals_chart(session)
    if chart is not None:
        story += [Paragraph("Vital signs chart", STYLES["Heading4"]), chart]
    story.append(Paragraph("Signature", STYLES["Heading4"]))
    if signed and note is not None and note.signed_at is not None:
        lines = [
            f"Signed by {note.signed_name} at {_local(note.signed_at)}",
            f"Meaning: {note.get_signature_meaning_display()}",
            f"SHA-256 of the signed content: {note.content_hash}",
        ]
    else:
        lines = ["UNSIGNED DRAFT: not a signed clinical record."]
    story += [Paragraph(escape(line), STYLES["BodyText"]) for line in lines]
    story.append(Paragraph(f"Printed {_local(now or timezone.now())}", STYLES["Italic"]))
    build(doc, story, mark=None if signed else "UNSIGNED DRAFT")
    return out.getvalue()
