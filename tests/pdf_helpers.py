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
