"""The notice PDF's tag tree finished for screen readers: each element's language, and the exact
text of scripts whose glyphs do not map back to their characters.

WeasyPrint 70 writes a PDF/UA tag tree, but (1) only the document has a language (the catalog's
/Lang, from `<html lang>`): the `lang` of a translated page or of a span is dropped, so an English
page is read in a Japanese voice; and (2) its ToUnicode maps each glyph to the text of the first
cluster it was drawn in. In scripts whose shaping reorders and merges characters into glyphs
(Devanagari, Myanmar, Khmer, Thai) a glyph stands for different characters in different clusters,
or for none, so no ToUnicode can give the text back: 「राष्ट्रिय」 was extracted as 「राɣÖष्ट्रिय」.

It reaches into WeasyPrint's PDF writer (through noticegen.printing.engine) in two steps:
1. `install`, while drawing: every marked-content sequence WeasyPrint opens (a run of text or an
   image) gets /Lang, the HTML language in force there, and a run holding one of those scripts gets
   /ActualText, its text as the HTML held it. Text extractors (PDFium, Poppler) read these. An
   untagged layout (the press's files) gets the /ActualText alone, in a marked-content sequence of
   its own.
2. `finish`, on the written file: the structure elements get them too, which is what screen readers
   walk. /ActualText goes on the element that holds the run; /Lang on the highest element whose
   content is mostly in that language, and only where it differs from what the element inherits,
   so every run ends up with its own language and the tree says it once per page or span.
"""

from __future__ import annotations

import collections
import io
import re

from noticegen.printing import engine

# Scripts whose shaping reorders or merges characters (Indic and Southeast Asian scripts: vowel
# signs drawn before their consonant, conjuncts, stacked marks, contextual forms): Devanagari and
# its extensions, Thai, Myanmar and its extensions, Khmer and Khmer symbols. A run holding any of
# these carries its text as /ActualText.
_SHAPED = re.compile(
    "[\u0900-\u097f\ua8e0-\ua8ff\u0e00-\u0e7f\u1000-\u109f\ua9e0-\ua9ff\uaa60-\uaa7f"
    "\u1780-\u17ff\u19e0-\u19ff]"
)


def needs_actual_text(text: str) -> bool:
    """Whether a run's glyphs may not extract as its text.

    >>> needs_actual_text("国民健康保険"), needs_actual_text("राष्ट्रिय"), needs_actual_text("ภาษาไทย")
    (False, True, True)
    """
    return _SHAPED.search(text) is not None


def install() -> None:
    """Make WeasyPrint's marked content carry /Lang and /ActualText (see the module's doc).
    Running it again changes nothing."""
    engine.hook_marked_content(_marked)


def _marked(stream, box, tag):
    # Replaces WeasyPrint's Stream.marked (same arguments, same MCIDs and tag bookkeeping, which
    # its tag writer reads), adding two entries to the property list.
    text = engine.text_of_text_box(box)
    actual_text = text is not None and needs_actual_text(text)
    tags = engine.stream_tags(stream)
    if tags is None:
        # An untagged layout (the press's files): no structure to point to, but a shaped run still
        # carries its text, so the file's text extracts as the tagged notice's does.
        if actual_text:
            engine.begin_marked_content(stream, "Span", {"ActualText": text})
        try:
            yield
        finally:
            if actual_text:
                engine.end_marked_content(stream)
        return
    mcid = len(tags)
    assert box not in tags
    tags[box] = {"tag": tag, "mcid": mcid}
    properties: dict = {"MCID": mcid}
    lang = engine.style_value(box, "lang")
    if lang:
        properties["Lang"] = lang
    if actual_text:
        properties["ActualText"] = text
    engine.begin_marked_content(stream, tag, properties)
    try:
        yield
    finally:
        engine.end_marked_content(stream)


def finish(data: bytes) -> bytes:
    """The PDF with /Lang and /ActualText of its marked content copied onto its structure tree."""
    import pikepdf

    with pikepdf.open(io.BytesIO(data)) as pdf:
        if "/StructTreeRoot" not in pdf.Root:
            return data
        leaf_langs = _mark_structure_with_actual_text(pdf)
        document_lang = str(pdf.Root.get("/Lang", ""))
        tops = _kids(pdf.Root.StructTreeRoot)
        counts: dict[tuple[int, int], collections.Counter] = {}
        for top in tops:
            _count_languages(top, leaf_langs, counts)
        # The top element (Document) keeps the catalog's language: its parts say where they differ.
        for top in tops:
            for kid in _kids(top):
                _assign_languages(kid, document_lang, counts)
        out = io.BytesIO()
        # deterministic_id: the file identifier comes from the content, so a notice rendered
        # twice gives the same bytes.
        pdf.save(out, deterministic_id=True)
        return out.getvalue()


def _mark_structure_with_actual_text(pdf) -> dict[tuple[int, int], list[str]]:
    """Copy each marked-content sequence's /ActualText onto the structure element that holds it;
    return the languages of the sequences each structure element holds."""
    import pikepdf

    parent_tree = pikepdf.NumberTree(pdf.Root.StructTreeRoot.ParentTree)
    leaf_langs: dict[tuple[int, int], list[str]] = collections.defaultdict(list)
    for page in pdf.pages:
        if "/StructParents" not in page.obj:
            continue
        owners = parent_tree[int(page.obj.StructParents)]
        for operands, _operator in pikepdf.parse_content_stream(page, "BDC"):
            properties = operands[1] if len(operands) > 1 else None
            if not isinstance(properties, pikepdf.Dictionary) or "/MCID" not in properties:
                continue
            owner = owners[int(properties.MCID)]
            if "/ActualText" in properties:
                owner.ActualText = properties.ActualText
            if "/Lang" in properties:
                leaf_langs[owner.objgen].append(str(properties.Lang))
    return leaf_langs


def _kids(element) -> list:
    import pikepdf

    kids = element.get("/K")
    if kids is None:
        return []
    kids = list(kids) if isinstance(kids, pikepdf.Array) else [kids]
    return [
        kid
        for kid in kids
        if isinstance(kid, pikepdf.Dictionary) and kid.get("/Type") not in ("/MCR", "/OBJR")
    ]


def _count_languages(element, leaf_langs, counts) -> collections.Counter:
    here = collections.Counter(leaf_langs.get(element.objgen, ()))
    for kid in _kids(element):
        here.update(_count_languages(kid, leaf_langs, counts))
    counts[element.objgen] = here
    return here


def _assign_languages(element, inherited: str, counts) -> None:
    here = counts[element.objgen]
    lang = inherited
    if here:
        # The language of most of its runs; on a tie, the one it inherits (no /Lang to write).
        lang = max(here, key=lambda candidate: (here[candidate], candidate == inherited))
    if lang != inherited:
        element.Lang = lang
    elif "/Lang" in element:
        del element["/Lang"]
    for kid in _kids(element):
        _assign_languages(kid, lang, counts)
