"""A report table as CSV or PDF (reportlab). Both carry the title, the header facts, every
row and the notes, so a file handed to an inspector stands on its own."""

from __future__ import annotations

import csv
import io
from datetime import datetime

from django.http import HttpResponse
from django.utils import timezone
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import LongTable, Paragraph, SimpleDocTemplate, Spacer, TableStyle

from kclinic.domain.ledger_reports import Table

FORMATS = ("csv", "pdf")


def to_csv(table: Table, generated: datetime) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([table.title])
    for label, value in table.facts:
        writer.writerow([label, value])
    writer.writerow(["Generated", generated.isoformat(timespec="seconds")])
    writer.writerow([])
    writer.writerow(table.columns)
    writer.writerows(table.rows)
    for note in table.notes:
        writer.writerow([])
        writer.writerow([note])
    writer.writerow(["Source", table.source.citation])
    return out.getvalue().encode("utf-8")


def to_pdf(table: Table, generated: datetime) -> bytes:
    """A landscape A4 document. Page streams are left uncompressed so that the text can be
    searched (and tested) in the bytes; the files stay small."""
    buffer = io.BytesIO()
    styles = getSampleStyleSheet()
    cell = styles["BodyText"].clone("cell", fontSize=7, leading=8.5)
    head = styles["BodyText"].clone("head", fontSize=7, leading=8.5, fontName="Helvetica-Bold")
    doc = SimpleDocTemplate(
        buffer,
        pagesize=landscape(A4),
        leftMargin=10 * mm,
        rightMargin=10 * mm,
        topMargin=10 * mm,
        bottomMargin=10 * mm,
        title=table.title,
        author="kclinic",
        pageCompression=0,
    )
    story: list[object] = [Paragraph(_escape(table.title), styles["Title"])]
    for label, value in (*table.facts, ("Generated", generated.isoformat(timespec="seconds"))):
        story.append(Paragraph(f"<b>{_escape(label)}:</b> {_escape(value)}", styles["BodyText"]))
    story.append(Spacer(1, 4 * mm))
    data = [[Paragraph(_escape(c), head) for c in table.columns]]
    data += [[Paragraph(_escape(v), cell) for v in row] for row in table.rows]
    if not table.rows:
        data.append([Paragraph("No entries.", cell)] + [""] * (len(table.columns) - 1))
    grid = LongTable(data, repeatRows=1)
    grid.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eef1f4")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    story.append(grid)
    for note in (*table.notes, f"Source: {table.source.citation}"):
        story.append(Spacer(1, 2 * mm))
        story.append(Paragraph(_escape(note), styles["Italic"]))
    doc.build(story)
    return buffer.getvalue()


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def download(table: Table, fmt: str, filename: str) -> HttpResponse:
    """The table as an attachment: `fmt` is "csv" or "pdf"."""
    generated = timezone.localtime()
    if fmt == "csv":
        response = HttpResponse(to_csv(table, generated), content_type="text/csv; charset=utf-8")
    else:
        response = HttpResponse(to_pdf(table, generated), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}.{fmt}"'
    return response
