"""Blocks the forms of a chunk file share (noticegen.printing.formblocks): which groups a content
stream is taken apart into, and that a file with its shared groups made blocks draws every page as
before, pixel for pixel, holding each block once."""

from __future__ import annotations

import functools
import io

import numpy as np
import pikepdf
import pypdfium2

from noticegen.printing import assembly, formblocks, render

# Frames and fills, the size of a notice's boxes (over MIN_BLOCK_BYTES).
_FRAMES = b"\n".join(
    b"q\n/a1 gs\n0 0 0 1 RG\n1.1 w\n%d %d 120 30 re\nS\nQ" % (20 + 3 * k, 40 + 35 * k)
    for k in range(12)
)


def _content(*groups: bytes) -> bytes:
    """A form's content as WeasyPrint writes it: a flip to CSS space, then nested groups."""
    inner = b"\n".join(b"q\n" + group + b"\nQ" for group in groups)
    return b"1 0 0 -1 0 400 cm\nq\n0.75 0 0 0.75 0 0 cm\n" + inner + b"\nQ"


def test_groups_follow_q_and_q_and_refuse_what_cannot_be_taken_apart():
    content = b"1 0 0 1 0 0 cm\nq\nq\n0 0 1 1 re\nf\nQ\nQ\nq\nQ"
    outer, empty = formblocks.groups(content, min_bytes=0)
    (inner,) = outer.children
    assert content[inner.body_start : inner.body_end] == b"0 0 1 1 re\nf"
    assert content[outer.start : outer.end] == b"q\nq\n0 0 1 1 re\nf\nQ\nQ"
    assert empty.children == () and empty.body_start == empty.body_end
    # Small groups are left out, and so are those holding text (the groups in them are not).
    assert formblocks.groups(content) == ()
    text = b"q\nBT\nET\nq\n0 0 1 1 re\nf\nQ\nQ"
    (inner,) = formblocks.groups(text, min_bytes=0)
    assert text[inner.body_start : inner.body_end] == b"0 0 1 1 re\nf"
    assert formblocks.groups(b"q\nq\nQ") is None  # unbalanced
    assert formblocks.groups(b"Q\nq") is None
    assert formblocks.groups(b"q\nBT\n(q\nQ) Tj\nET\nQ") is None  # a literal string
    assert formblocks.groups(b"q\nBI /W 1 /H 1 ID \x00 EI\nQ") is None  # inline image data
    # Marked content is fine within a group, not across groups.
    assert formblocks.groups(b"q\n/Span <<>>\nBDC\nq\nQ\nEMC\nQ") is not None
    assert formblocks.groups(b"q\n/Span <<>>\nBDC\nQ\nq\nEMC\nQ") is None


@functools.cache
def _weasyprint_text() -> tuple[bytes, bytes]:
    """A line of text as a chunk file holds it: WeasyPrint's embedded Type0 font (the PDF's bytes)
    and the operators that show it."""
    document = render.lay_out_untagged(
        '<html lang="ja"><body style="font: 16px \'BIZ UDPGothic\'">お知らせ 123</body></html>'
    )
    data = document.write_pdf()
    with pikepdf.open(io.BytesIO(data)) as pdf:
        content = pdf.pages[0].obj.Contents.read_bytes()
    shown = next(line for line in content.split(b"\n") if line.endswith(b"TJ"))
    return data, shown


def _text() -> bytes:
    """A text object showing _weasyprint_text's line in /F1, with a comment making it a group
    over MIN_BLOCK_BYTES (which it is not made into: text stays in the form)."""
    _data, shown = _weasyprint_text()
    return b"BT\n1 0 0 -1 30 300 Tm\n/F1 12 Tf\n" + shown + b"\nET\n" + b"% pad\n" * 80


def _embedded_font(pdf):
    """The font of _weasyprint_text (a chunk file's fonts are all embedded Type0 fonts), in
    `pdf`."""
    data, _shown = _weasyprint_text()
    with pikepdf.open(io.BytesIO(data)) as source:
        _name, font = next(iter(source.pages[0].obj.Resources.Font.items()))
        return pdf.copy_foreign(font)


def _document(contents: list[bytes], shading_colours: list[float] | None = None) -> bytes:
    """Pages each drawing a form of its own with the given content (resources: a graphics state,
    a font, and a shading named /s0 that may mean another colour in each form)."""
    pdf = pikepdf.new()
    font = pdf.make_indirect(
        pikepdf.Dictionary(
            Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1, BaseFont="/Helvetica"
        )
    )
    for number, content in enumerate(contents):
        shading = pikepdf.Dictionary(
            ShadingType=2,
            ColorSpace=pikepdf.Name.DeviceGray,
            Coords=[0, 0, 100, 0],
            Function=pikepdf.Dictionary(
                FunctionType=2,
                Domain=[0, 1],
                C0=[0],
                C1=[shading_colours[number] if shading_colours else 1],
                N=1,
            ),
        )
        form = pdf.make_stream(
            content,
            Type=pikepdf.Name.XObject,
            Subtype=pikepdf.Name.Form,
            BBox=[0, 0, 300, 400],
            Resources=pikepdf.Dictionary(
                ExtGState=pikepdf.Dictionary(a1=pikepdf.Dictionary(CA=1, ca=1)),
                Font=pikepdf.Dictionary(F1=font),
                Shading=pikepdf.Dictionary(s0=shading),
                Pattern=pikepdf.Dictionary(),
            ),
        )
        page = pikepdf.Dictionary(
            Type=pikepdf.Name.Page,
            MediaBox=[0, 0, 300, 400],
            Resources=pikepdf.Dictionary(XObject=pikepdf.Dictionary(S=form)),
            Contents=pdf.make_stream(b"q /S Do Q"),
        )
        pdf.pages.append(pikepdf.Page(page))
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


def _shared(data: bytes) -> tuple[bytes, int]:
    pdf = pikepdf.open(io.BytesIO(data))
    forms = [page.obj.Resources.XObject.S for page in pdf.pages]
    count = formblocks.share(pdf, [(form, formblocks.groups(form.read_bytes())) for form in forms])
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue(), count


def _pixels(data: bytes) -> list[np.ndarray]:
    document = pypdfium2.PdfDocument(data)
    return [
        np.asarray(document[index].render(scale=300 / 72).to_pil().convert("L"))
        for index in range(len(document))
    ]


def _invoked(data: bytes) -> list[set[str]]:
    with pikepdf.open(io.BytesIO(data)) as pdf:
        return [
            {
                name
                for name in page.obj.Resources.XObject.S.Resources.get("/XObject", {})
                if name.startswith(formblocks.BLOCK_PREFIX)
            }
            for page in pdf.pages
        ]


def test_a_group_two_forms_draw_is_one_block_and_the_pages_are_unchanged():
    shading = b"q\n0 0 100 50 re\nW\nn\n/s0 sh\nQ\n" + b"\n".join([b"% pad"] * 80)
    before = _document(
        [
            _content(_FRAMES, b"0 0 10 10 re\nf", shading, _text()),
            _content(_FRAMES, b"5 5 20 20 re\nf", shading, _text()),
            _content(b"1 1 5 5 re\nf"),
        ],
        shading_colours=[1, 0.5, 1],
    )
    after, blocks = _shared(before)
    # The frames are one block both forms invoke; the shading group names /s0, which is another
    # shading in each form: not the same block; the text group is left alone.
    assert blocks == 3
    first, second, third = _invoked(after)
    assert first & second and first != second and not third
    with pikepdf.open(io.BytesIO(after)) as pdf:
        contents = [page.obj.Resources.XObject.S.read_bytes() for page in pdf.pages]
    assert all(b"120 30 re" not in content for content in contents[:2])
    assert all(b"BT" in content for content in contents[:2])
    with pikepdf.open(io.BytesIO(after)) as pdf:
        frames = sum(
            obj.read_bytes().count(b"120 30 re")
            for obj in pdf.objects
            if isinstance(obj, pikepdf.Stream)
        )
    assert frames == 12  # stored once, drawn by two forms
    # The first file PDFium opens with a font draws its glyphs apart from every later one (seen
    # here: 1,754 pixels of the line of text, whichever file came first, then none in any later
    # drawing of either): one drawing first, not compared.
    _pixels(before)
    for drawn, expected in zip(_pixels(after), _pixels(before), strict=True):
        assert np.array_equal(drawn, expected)


def test_small_or_unshared_groups_stay_where_they_are():
    before = _document([_content(b"0 0 10 10 re\nf"), _content(b"0 0 10 10 re\nf", _FRAMES)])
    after, blocks = _shared(before)
    assert blocks == 0
    assert _invoked(after) == [set(), set()]


def test_forms_with_the_same_resources_share_one_dictionary_and_draw_as_before():
    """assembly.share_form_resources: a form's resources become an object of their own (a chunk
    file packs such objects into compressed object streams), one for forms whose resources are
    the same; empty categories (WeasyPrint's /Pattern << >>) are left out; pages draw as before."""
    before = _document(
        [_content(b"0 0 10 10 re\nf"), _content(b"5 5 20 20 re\nf"), _content(b"1 1 5 5 re\nf")],
        shading_colours=[1, 1, 0.5],  # the third form's /s0 is another shading
    )
    pdf = pikepdf.open(io.BytesIO(before))
    assembly.share_form_resources(pdf)
    forms = [page.obj.Resources.XObject.S for page in pdf.pages]
    resources = [form.get("/Resources") for form in forms]
    assert all(entry.is_indirect for entry in resources)
    assert all("/Pattern" not in entry and "/Shading" in entry for entry in resources)
    assert resources[0].objgen == resources[1].objgen != resources[2].objgen
    out = io.BytesIO()
    pdf.save(out)
    _pixels(before)  # the first drawing with a font is not compared (see above)
    for drawn, expected in zip(_pixels(out.getvalue()), _pixels(before), strict=True):
        assert np.array_equal(drawn, expected)


def test_forms_keep_the_colour_spaces_they_select_when_the_finishing_drops_the_others(config):
    """A chunk file's finishing (noticegen.press) drops from each form the colour spaces it never
    selects; forms whose resources are the same share one dictionary only after that
    (assembly.share_form_resources), or dropping one form's unused spaces would take away
    another's. Two forms declaring the same two spaces, each selecting one, keep theirs."""
    from noticegen import batch

    chunk = assembly.ChunkFile("test", batch._press_finishing("test", config, b"\0" * 128))
    pdf = chunk.pdf
    spaces = {
        "/A": pikepdf.Array([pikepdf.Name.CalGray, pikepdf.Dictionary(WhitePoint=[1, 1, 1])]),
        "/B": pikepdf.Array([pikepdf.Name.CalGray, pikepdf.Dictionary(WhitePoint=[0.9, 1, 1])]),
    }
    for selected in ("A", "B"):
        form = pdf.make_stream(b"/%s cs\n0.5 sc\n0 0 10 10 re\nf" % selected.encode())
        form.Type, form.Subtype = pikepdf.Name.XObject, pikepdf.Name.Form
        form.BBox = [0, 0, 100, 100]
        form.Resources = pikepdf.Dictionary(ColorSpace=pikepdf.Dictionary(spaces))
        page = pdf.add_blank_page(page_size=(100, 100))
        page.obj.Resources = pikepdf.Dictionary(XObject=pikepdf.Dictionary(S=form))
        page.obj.Contents = pdf.make_stream(b"/S Do")
    assert config.press.pdfx == "PDF/X-4"  # object streams: the forms' resources are shared
    with pikepdf.open(io.BytesIO(chunk.finish())) as finished:
        forms = [page.obj.Resources.XObject.S for page in finished.pages]
        kept = [set(form.Resources.ColorSpace.keys()) for form in forms]
        assert kept == [{"/A"}, {"/B"}]
        assert all(form.Resources.is_indirect for form in forms)
