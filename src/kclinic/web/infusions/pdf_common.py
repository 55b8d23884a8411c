"""Pieces shared by the session's PDFs (reportlab): the page set-up, the patient banner and
the watermark that marks a document that is not final (unsigned, not complete).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import IO

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, SimpleDocTemplate, Table, TableStyle

from kclinic.web.infusions.models import InfusionSession

STYLES = getSampleStyleSheet()


def document(out: IO[bytes], *, title: str, compress: bool) -> SimpleDocTemplate:
    """An A4 document with the margins every session PDF uses."""
    return SimpleDocTemplate(
        out,
        pagesize=A4,
        title=title,
        author="kclinic",
        pageCompression=1 if compress else 0,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=16 * mm,
        bottomMargin=16 * mm,
    )


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


def build(doc: SimpleDocTemplate, story: list[Flowable], *, mark: str | None) -> None:
    """Lay the story out; with `mark`, every page carries it as a watermark."""
    if mark is None:
        doc.build(story)
    else:
        draw = watermark(mark)
        doc.build(story, onFirstPage=draw, onLaterPages=draw)
