"""The attendance certificate as PDF (fpdf2), laid out as the manual's "Generación del certificado".

PDF/A-2b (fpdf2's `enforce_compliance`): every font embedded (bundled DejaVu, only the glyphs used),
the sRGB output intent, and XMP metadata with the title, author, subject, language (es-CL) and the
certificate number (`dc:identifier`). The rendering is deterministic for a given certificate (dates =
issue time); the signature added after it (security/signing.py) is not.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from html import escape
from pathlib import Path

import segno
from fpdf import FPDF
from fpdf.enums import TextMode, XPos, YPos

from ..domain.certificates import Certificate
from ..domain.clock import CHILE
from ..domain.courses import Course, Party

CONTENT_TYPE = "application/pdf"
COMPLIANCE = "PDF/A-2B"
LANGUAGE = "es-CL"
CREATOR = "GCA - Gestión de Certificados de Asistencia, SENCE"
_FONTS = Path(__file__).resolve().parent / "fonts"
_BLUE = (15, 105, 180)
_GREY = (242, 242, 242)
_ROW = 6.0


@dataclass(frozen=True)
class CertificateDocument:
    certificate: Certificate
    course: Course
    verification_url: str
    annulled: bool = False
    # A certificate migrated from the system GCA replaced, drawn by GCA from its data: not the original.
    reconstruction: bool = False


def xmp_metadata(number: str, title: str, author: str, subject: str, issued_at: datetime) -> str:
    """The document's XMP packet (without the xpacket wrapper fpdf2 adds): PDF/A-2b's identification,
    Dublin Core title, creator, description, language and identifier (the certificate number)."""
    moment = issued_at.astimezone(UTC).isoformat(timespec="seconds")
    return f"""<x:xmpmeta xmlns:x="adobe:ns:meta/">
  <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
    <rdf:Description rdf:about=""
        xmlns:dc="http://purl.org/dc/elements/1.1/"
        xmlns:xmp="http://ns.adobe.com/xap/1.0/"
        xmlns:pdf="http://ns.adobe.com/pdf/1.3/"
        xmlns:pdfaid="http://www.aiim.org/pdfa/ns/id/">
      <pdfaid:part>2</pdfaid:part>
      <pdfaid:conformance>B</pdfaid:conformance>
      <dc:format>application/pdf</dc:format>
      <dc:title><rdf:Alt><rdf:li xml:lang="x-default">{escape(title)}</rdf:li></rdf:Alt></dc:title>
      <dc:creator><rdf:Seq><rdf:li>{escape(author)}</rdf:li></rdf:Seq></dc:creator>
      <dc:description><rdf:Alt><rdf:li xml:lang="x-default">{escape(subject)}</rdf:li></rdf:Alt></dc:description>
      <dc:language><rdf:Bag><rdf:li>{LANGUAGE}</rdf:li></rdf:Bag></dc:language>
      <dc:identifier>{escape(number)}</dc:identifier>
      <xmp:CreatorTool>{escape(CREATOR)}</xmp:CreatorTool>
      <xmp:CreateDate>{moment}</xmp:CreateDate>
      <xmp:ModifyDate>{moment}</xmp:ModifyDate>
      <xmp:MetadataDate>{moment}</xmp:MetadataDate>
      <pdf:Producer>{escape(CREATOR)}</pdf:Producer>
      <pdf:Keywords>{escape(f"Certificado N° {number}")}</pdf:Keywords>
    </rdf:Description>
  </rdf:RDF>
</x:xmpmeta>"""


class _Certificate(FPDF):
    footer_text = ""

    def footer(self) -> None:
        self.set_y(-12)
        _font(self, 7)
        self.set_text_color(90, 90, 90)
        self.cell(0, 5, f"{self.footer_text} · Página {self.page_no()}", align="C")
        self.set_text_color(0, 0, 0)


def _font(pdf: FPDF, size: float, *, bold: bool = False) -> None:
    """One embedded font; bold is the same glyphs filled and stroked.

    Every embedded font is parsed and subset on each render, which is most of the fixed cost of a
    certificate: one font instead of two makes a small certificate about a third faster.
    """
    pdf.set_font("DejaVu", size=size)
    mode = TextMode.FILL_STROKE if bold else TextMode.FILL
    if pdf.text_mode != mode:
        pdf.text_mode = mode
        # fpdf2 assumes the page already holds its current text mode; say it in the page stream.
        pdf._out(f"{mode.value} Tr")
    pdf.set_line_width(size * 0.018 if bold else 0.2)


_WRAPPED: dict[tuple[str, str, float, float], tuple[str, ...]] = {}


def _wrap(pdf: FPDF, width: float, text: str) -> tuple[str, ...]:
    """`text` broken into lines that fit `width` in the current font.

    Fits in one line: no line breaking at all (most values). The fixed texts of the certificate
    are broken once per process and remembered: font metrics never change.
    """
    if pdf.get_string_width(text) <= width - 2 * pdf.c_margin:
        return (text,)
    key = (pdf.font_family + pdf.font_style, text, pdf.font_size_pt, width)
    lines = _WRAPPED.get(key)
    if lines is None:
        result = pdf.multi_cell(width, 5, text, dry_run=True, output="LINES", align="L")
        lines = tuple(result) if isinstance(result, list) else (text,)
        if len(_WRAPPED) < 512:
            _WRAPPED[key] = lines
    return lines


def _lines(pdf: FPDF, width: float, height: float, text: str) -> int:
    return len(_wrap(pdf, width, text))


def _paragraph(pdf: FPDF, height: float, text: str, align: str = "L") -> None:
    """A paragraph across the page, as cells of pre-broken lines."""
    for line in _wrap(pdf, pdf.epw, text):
        pdf.cell(0, height, line, align=align, new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def _day(moment: datetime) -> str:
    return moment.astimezone(CHILE).strftime("%d/%m/%Y")


def _row(pdf: FPDF, widths: tuple[float, ...], cells: tuple[str, ...], borders: list[str]) -> None:
    """One table row of single-line cells: placed text and queued borders, no cell() machinery.

    A certificate is mostly its participants table; text() with one stroked path per page is what
    keeps a 1,000-row certificate close to the cost of the bare table.
    """
    x, y, k = pdf.l_margin, pdf.get_y(), pdf.k
    baseline = y + (_ROW + pdf.font_size * 0.7) / 2
    for width, text, centered in zip(widths, cells, (True, True, False, True), strict=True):
        offset = (width - pdf.get_string_width(text)) / 2 if centered else pdf.c_margin
        pdf.text(x + offset, baseline, text)
        borders.append(f"{x * k:.2f} {(pdf.h - y - _ROW) * k:.2f} {width * k:.2f} {_ROW * k:.2f} re")
        x += width
    pdf.set_xy(pdf.l_margin, y + _ROW)


def _stroke(pdf: FPDF, borders: list[str]) -> None:
    """Draw the queued cell borders of this page in one path, thin and black as cell(border=1) would."""
    if borders:
        pdf._out(f"q 0 G {0.2 * pdf.k:.2f} w " + " ".join(borders) + " S Q")
        borders.clear()


def _party_rows(label: str, party: Party | None, note: str = "") -> list[tuple[str, str]]:
    return [
        (f"Razón social {label}{note}", party.name if party else "No corresponde"),
        (f"RUT {label}{note}", party.rut.formatted() if party else "No corresponde"),
    ]


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_COVERED: frozenset[int] | None = None


def _clean(text: str) -> str:
    """Control characters have no glyph and no place on a certificate; everything else is printed."""
    return _CONTROL.sub("", text)


def _covered() -> frozenset[int]:
    """The characters of the bundled Latin subset (read once): anything else needs the full font."""
    global _COVERED
    if _COVERED is None:
        from fontTools.ttLib import TTFont

        _COVERED = frozenset(TTFont(str(_FONTS / "DejaVuSans.ttf")).getBestCmap())
    return _COVERED


def _cleaned(certificate: Certificate, course: Course) -> tuple[Certificate, Course, set[str]]:
    def party(value: Party | None) -> Party | None:
        return replace(value, name=_clean(value.name)) if value else None

    course = replace(
        course,
        name=_clean(course.name),
        institution=replace(course.institution, name=_clean(course.institution.name)),
        company=replace(course.company, name=_clean(course.company.name)),
        otic=party(course.otic),
    )
    certificate = replace(
        certificate,
        accepted_by_name=_clean(certificate.accepted_by_name),
        invoice_number=_clean(certificate.invoice_number),
        participants=tuple(replace(p, name=_clean(p.name)) for p in certificate.participants),
    )
    texts = [course.name, course.institution.name, course.company.name, certificate.accepted_by_name]
    texts += [course.otic.name] if course.otic else []
    texts += [p.name for p in certificate.participants]
    uncovered = {ch for text in texts for ch in text if ord(ch) not in _covered()}
    return certificate, course, uncovered


class CertificateRenderer:
    def render(self, document: CertificateDocument) -> bytes:
        certificate, course, uncovered = _cleaned(document.certificate, document.course)
        pdf = _Certificate(orientation="P", unit="mm", format="A4", enforce_compliance=COMPLIANCE)
        pdf.set_creation_date(certificate.issued_at)
        marking = " (reconstrucción)" if document.reconstruction else ""
        title = f"Certificado de asistencia N° {certificate.number}{marking} - {course.name}"
        subject = f"Curso {course.course_code} · Código SENCE {course.sence_code}"
        if document.annulled:
            title, subject = f"{title} (ANULADO)", f"{subject} · Certificado anulado"
        pdf.set_title(title)
        pdf.set_author(course.institution.name)
        pdf.set_subject(subject)
        pdf.set_creator(CREATOR)
        pdf.set_producer(CREATOR)
        pdf.set_lang(LANGUAGE)
        pdf.set_xmp_metadata(
            xmp_metadata(str(certificate.number), title, course.institution.name, subject, certificate.issued_at)
        )
        pdf.add_font("DejaVu", "", str(_FONTS / "DejaVuSans.ttf"))
        if uncovered:
            # Greek, Cyrillic, Hebrew, Arabic…: the full DejaVu, embedded only when a name needs it.
            pdf.add_font("DejaVuFull", "", str(_FONTS / "DejaVuSans-full.ttf"))
            pdf.set_fallback_fonts(["DejaVuFull"], exact_match=False)
        pdf.set_margins(15, 15, 15)
        pdf.set_auto_page_break(True, margin=18)
        pdf.footer_text = (
            f"Certificado N° {certificate.number} · Código de verificación {certificate.verification_code}"
        )
        if document.reconstruction:
            pdf.footer_text = f"RECONSTRUCCIÓN, no es el original · {pdf.footer_text}"
        pdf.add_page()
        self._title(pdf, course)
        if document.annulled:
            self._annulled_banner(pdf)
        if document.reconstruction:
            self._reconstruction_banner(pdf, certificate)
        self._data_table(pdf, certificate, course)
        self._participants(pdf, certificate)
        self._closing(pdf, certificate, document.verification_url, document.reconstruction)
        return bytes(pdf.output())

    def _title(self, pdf: FPDF, course: Course) -> None:
        _font(pdf, 11, bold=True)
        pdf.set_text_color(*_BLUE)
        title = (
            "CERTIFICADO DE ASISTENCIA ACTIVIDAD OTEC, CFT O ENTIDAD NIVELADORA DE ESTUDIOS, "
            f"IMPUTADA EN FORMA TOTAL O PARCIAL A {course.program.label.upper()}"
        )
        _paragraph(pdf, 5.5, title, align="C")
        pdf.set_text_color(0, 0, 0)
        pdf.ln(1)
        _font(pdf, 10, bold=True)
        pdf.cell(0, 6, course.activity_type.label, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(2)
        _font(pdf, 9)
        _paragraph(
            pdf,
            5,
            "Se extiende el presente certificado de asistencia correspondiente a la actividad de capacitación "
            "que a continuación se señala:",
        )
        pdf.ln(2)

    def _annulled_banner(self, pdf: FPDF) -> None:
        pdf.set_fill_color(235, 60, 70)
        pdf.set_text_color(255, 255, 255)
        pdf.set_draw_color(255, 255, 255)  # bold is stroked: white strokes on white letters
        _font(pdf, 14, bold=True)
        pdf.cell(0, 10, "CERTIFICADO ANULADO", align="C", fill=True, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_text_color(0, 0, 0)
        pdf.set_draw_color(0, 0, 0)
        pdf.ln(2)

    def _reconstruction_banner(self, pdf: FPDF, certificate: Certificate) -> None:
        """Says on the first page, before any data, that this is not the PDF the old system issued."""
        pdf.set_fill_color(255, 243, 205)
        pdf.set_draw_color(180, 120, 0)
        pdf.set_text_color(120, 70, 0)
        _font(pdf, 12, bold=True)
        pdf.cell(0, 7, "RECONSTRUCCIÓN", border="LTR", align="C", fill=True, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        _font(pdf, 7.5)
        note = (
            "Este documento no es el PDF original: GCA lo reconstruyó a partir de los datos migrados del "
            f"sistema anterior ({_clean(certificate.source or '')}). Su validez se verifica con el código "
            "de verificación y el código QR."
        )
        lines = _wrap(pdf, pdf.epw, note)
        for index, line in enumerate(lines):
            border = "LR" + ("B" if index == len(lines) - 1 else "")
            pdf.cell(0, 4, line, border=border, align="C", fill=True, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_text_color(0, 0, 0)
        pdf.set_draw_color(0, 0, 0)
        pdf.ln(2)

    def _data_table(self, pdf: FPDF, certificate: Certificate, course: Course) -> None:
        rows = [
            *_party_rows("OTEC, CFT o entidad niveladora", course.institution),
            *_party_rows("empresa", course.company, " **"),
            *_party_rows("OTIC", course.otic, " (si corresponde a actividad intermediada por éste)"),
            ("Nombre de la actividad", course.name),
            ("N° registro de acción SENCE", course.course_code),
            ("Código SENCE", course.sence_code),
            ("N° de horas", str(course.accredited_hours)),
            ("Fecha de inicio", course.start_date.strftime("%d/%m/%Y")),
            ("Fecha de término", course.end_date.strftime("%d/%m/%Y")),
            ("N° de factura / Orden de compra", certificate.invoice_number),
        ]
        label_width, value_width = 80.0, pdf.epw - 80.0
        for label, value in rows:
            _font(pdf, 8, bold=True)
            label_lines = _lines(pdf, label_width, 5, label)
            _font(pdf, 8)
            value_lines = _lines(pdf, value_width, 5, value)
            height = 5 * max(label_lines, value_lines) + 1
            if pdf.will_page_break(height):
                pdf.add_page()
            x, y = pdf.get_x(), pdf.get_y()
            pdf.set_fill_color(*_GREY)
            pdf.rect(x, y, label_width, height, style="DF")
            pdf.rect(x + label_width, y, value_width, height)
            _font(pdf, 8, bold=True)
            for offset, line in enumerate(_wrap(pdf, label_width, label)):
                pdf.set_xy(x, y + 0.5 + 5 * offset)
                pdf.cell(label_width, 5, line)
            _font(pdf, 8)
            for offset, line in enumerate(_wrap(pdf, value_width, value)):
                pdf.set_xy(x + label_width, y + 0.5 + 5 * offset)
                pdf.cell(value_width, 5, line)
            pdf.set_xy(x, y + height)
        pdf.ln(4)

    def _participants_header(self, pdf: FPDF, widths: tuple[float, ...]) -> None:
        _font(pdf, 8, bold=True)
        pdf.set_fill_color(*_BLUE)
        pdf.set_text_color(255, 255, 255)
        pdf.set_draw_color(255, 255, 255)
        for width, label, align in zip(
            widths, ("No", "Rut Alumno", "Nombre Alumno", "Porcentaje asistencia"), ("C", "C", "L", "C"), strict=True
        ):
            pdf.cell(width, _ROW + 1, label, border=1, align=align, fill=True)
        pdf.ln(_ROW + 1)
        pdf.set_text_color(0, 0, 0)
        pdf.set_draw_color(0, 0, 0)
        _font(pdf, 8)

    def _participants(self, pdf: FPDF, certificate: Certificate) -> None:
        _font(pdf, 10, bold=True)
        pdf.cell(0, 7, "Participantes", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        widths = (12.0, 30.0, pdf.epw - 12.0 - 30.0 - 38.0, 38.0)
        self._participants_header(pdf, widths)
        name_width = widths[2]
        # Break pages by hand so the header repeats; auto page break would split a row from it.
        pdf.set_auto_page_break(False)
        limit = pdf.h - 18
        borders: list[str] = []
        for index, participant in enumerate(certificate.participants, start=1):
            name = participant.name
            lines = 1
            if pdf.get_string_width(name) > name_width - 2:
                lines = _lines(pdf, name_width, _ROW, name)
            height = _ROW * lines
            if pdf.get_y() + height > limit:
                _stroke(pdf, borders)
                pdf.add_page()
                self._participants_header(pdf, widths)
            cells = (str(index), participant.rut.formatted(), name, f"{participant.percent} %")
            # text() knows no fallback font: a name in another script goes through cell() like a long one.
            if lines == 1 and _covered().issuperset(map(ord, name)):
                _row(pdf, widths, cells, borders)
                continue
            for width, text, align in zip(widths, cells, ("C", "C", "L", "C"), strict=True):
                if text is name:
                    x, y = pdf.get_x(), pdf.get_y()
                    pdf.multi_cell(width, _ROW, name, border=1, align="L")
                    pdf.set_xy(x + width, y)
                else:
                    pdf.cell(width, height, text, border=1, align=align)
            pdf.ln(height)
        _stroke(pdf, borders)
        pdf.set_auto_page_break(True, margin=18)
        pdf.ln(4)

    def _closing(self, pdf: FPDF, certificate: Certificate, verification_url: str, reconstruction: bool) -> None:
        if pdf.will_page_break(75):
            pdf.add_page()
        signatory = (
            ("Nombre firmante autorizado", certificate.accepted_by_name),
            ("RUT firmante autorizado", certificate.accepted_by_rut.formatted()),
        )
        for label, value in signatory:
            _font(pdf, 8, bold=True)
            pdf.set_fill_color(*_GREY)
            pdf.cell(80, _ROW, label, border=1, fill=True)
            _font(pdf, 8)
            pdf.cell(0, _ROW, value, border=1, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(4)
        _font(pdf, 10, bold=True)
        pdf.cell(90, 7, f"Certificado N° {certificate.number}")
        pdf.cell(
            0, 7, f"Fecha de emisión del certificado {_day(certificate.issued_at)}", new_x=XPos.LMARGIN, new_y=YPos.NEXT
        )
        pdf.ln(3)
        top = pdf.get_y()
        self._qr(pdf, verification_url, pdf.l_margin, top, 30)
        pdf.set_xy(pdf.l_margin + 34, top)
        _font(pdf, 9, bold=True)
        pdf.cell(0, 5, f"Código de verificación: {certificate.verification_code}", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_x(pdf.l_margin + 34)
        _font(pdf, 8)
        for line in ("Verifique la validez de este certificado escaneando el código QR o en:", verification_url):
            pdf.set_x(pdf.l_margin + 34)
            pdf.cell(0, 4.5, line, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_y(max(pdf.get_y(), top + 32))
        _font(pdf, 7.5)
        note = (
            "NOTA: Este certificado de asistencia fue emitido por el sistema anterior a GCA; esta reconstrucción "
            "fue generada por el sistema de gestión de certificado de asistencia (GCA) de SENCE a partir de los "
            "datos migrados de ese sistema. Está firmado electrónicamente por GCA: su lector de PDF puede validar "
            "la firma con el certificado de la autoridad certificadora publicado en la página de verificación."
            if reconstruction
            else "NOTA: Este certificado de asistencia ha sido generado por el sistema de gestión de certificado de "
            "asistencia (GCA) de SENCE a partir de los datos ingresados y validados por el OTEC. Está firmado "
            "electrónicamente por GCA: su lector de PDF puede validar la firma con el certificado de la autoridad "
            "certificadora publicado en la página de verificación."
        )
        _paragraph(pdf, 4, note)
        _paragraph(
            pdf, 4, "** Empresa: la que imputa el costo de la actividad a la franquicia tributaria, cuando corresponde."
        )

    def _qr(self, pdf: FPDF, data: str, x: float, y: float, size: float) -> None:
        """The QR code drawn as vector squares: sharp at any zoom, a few hundred bytes."""
        # A fixed mask skips scoring all eight (three quarters of the QR's cost); any mask is a valid,
        # readable code, the scoring only avoids patterns that old scanners found harder.
        qr = segno.make(data, error="m", micro=False, mask=0)
        matrix = list(qr.matrix_iter(scale=1, border=2))
        module = size / len(matrix)
        # One path of rectangles, one fill: a rect() call per run of dark modules would cost more than
        # the rest of a small certificate. PDF space: points, origin at the bottom of the page.
        k, height = pdf.k, pdf.h
        runs: list[str] = []
        for row_index, row in enumerate(matrix):
            start: int | None = None
            for col_index, dark in enumerate([*row, False]):
                if dark and start is None:
                    start = col_index
                elif not dark and start is not None:
                    left, top = x + start * module, y + row_index * module
                    width = (col_index - start) * module
                    runs.append(f"{left * k:.2f} {(height - top - module) * k:.2f} {width * k:.2f} {module * k:.2f} re")
                    start = None
        pdf._out("q 0 g " + " ".join(runs) + " f Q")


class CertificatePdfs:
    """The renderer as the use cases see it: a certificate in, PDF bytes out."""

    def __init__(self, public_base_url: str) -> None:
        self._base = public_base_url.rstrip("/")
        self._renderer = CertificateRenderer()

    def verification_url(self, certificate: Certificate) -> str:
        return f"{self._base}/verificar/{certificate.number}?code={certificate.verification_code}"

    def render(self, certificate: Certificate, *, annulled: bool) -> bytes:
        if certificate.course is None:
            raise ValueError(f"certificate {certificate.number} has no course snapshot")
        return self._renderer.render(
            CertificateDocument(
                certificate,
                certificate.course,
                self.verification_url(certificate),
                annulled,
                reconstruction=certificate.imported,
            )
        )
