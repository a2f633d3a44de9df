"""Reading PDFs back: text (PDFium), fonts and structure (pikepdf), boxes (WeasyPrint layout)."""

from __future__ import annotations

import io
import re

import pikepdf
import pypdfium2


def page_texts(data: bytes) -> list[str]:
    document = pypdfium2.PdfDocument(data)
    try:
        texts = []
        for page in document:
            textpage = page.get_textpage()
            texts.append(textpage.get_text_range())
            textpage.close()
            page.close()
        return texts
    finally:
        document.close()


def squeeze(text: str) -> str:
    """Text without any white space, so that line breaks and spacing do not matter."""
    return re.sub(r"\s+", "", text)


def font_names(data: bytes) -> set[str]:
    names = set()
    with pikepdf.open(io.BytesIO(data)) as pdf:
        for page in pdf.pages:
            font_dict = page.obj.get("/Resources", {}).get("/Font", {})
            for _key, font in font_dict.items():
                names.add(str(font.get("/BaseFont")))
                for descendant in font.get("/DescendantFonts", []):
                    names.add(str(descendant.get("/BaseFont")))
    return names


def walk_boxes(box):
    yield box
    for child in getattr(box, "children", None) or ():
        yield from walk_boxes(child)


def objects_in_page_space(page: pypdfium2.PdfPage, kinds: list[int]):
    """(object, (left, bottom, right, top) in the page's space, points) for each object of the
    given kinds (pypdfium2.raw.FPDF_PAGEOBJ_*) on the page, inside forms too. PDFium gives an
    object's bounds in the space of the form that holds it: a chunk file's static page is a form,
    and the blocks its forms share are forms in it (noticegen.printing.formblocks), invoked
    under the page's matrices."""
    import pypdfium2.raw as pdfium_c

    chain: list[pypdfium2.PdfMatrix] = []  # the matrix of each form around the object
    for obj in page.get_objects(max_depth=15):
        del chain[obj.level :]
        if obj.type in kinds:
            bounds = obj.get_bounds()
            for matrix in reversed(chain):
                bounds = matrix.on_rect(*bounds)
            yield obj, bounds
        if obj.type == pdfium_c.FPDF_PAGEOBJ_FORM:
            chain.append(obj.get_matrix())
