"""A chunk file being assembled: pages drawn over their shapes' forms, whole notices where a page
cannot be, and, when it is finished, one subset per font (noticegen.printing.fontsharing), subset
tags from the content and the press's finishing.

Static forms depend only on the shape and runs are placed from the shape's geometry, so the bytes
of a chunk do not depend on which household a worker first measured a shape with: chunks stay
byte-identical whatever the worker count, and on resume.
"""

from __future__ import annotations

import base64
import hashlib
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from noticegen import press, voicecode
from noticegen.printing import engine, fontsharing, formblocks
from noticegen.printing.measure import Shape, _line_start, _Run
from noticegen.printing.pagedata import PageData

PX_TO_PT = 0.75  # WeasyPrint lays out in CSS pixels; PDF user space is in points


@dataclass
class ChunkFile:
    """One print file being assembled: pages in order, fonts and images shared across them."""

    title: str
    # Makes the assembled document a press's file (the batch's PDF/X finishing, noticegen.press);
    # returns the PDF version to save it as. None: a plain PDF.
    finishing: Callable[[Any], str] | None = None
    pdf: Any = None
    fonts: dict = field(default_factory=dict)  # WeasyPrint Font objects used by the data runs
    _forms: dict = field(default_factory=dict)  # shape digest → the form, copied into this file
    # The /Font dictionaries of the forms and of the pages laid out in full, in the order met,
    # and the files their fonts come from: finish() points them all at one subset per font.
    _font_holders: list = field(default_factory=list)
    # For each holder, what its fonts were embedded with when a shape knows it (else None): read
    # once per shape (Shape.embedded_fonts), not once per chunk file.
    _holder_fonts: list = field(default_factory=list)
    _font_sources: dict = field(default_factory=dict)  # resource name → (sha256, face index)
    _held: set = field(default_factory=set)
    _images: dict = field(default_factory=dict)  # data URI → image XObject in this file
    _image_uses: dict = field(default_factory=dict)  # data URI → how many times pages show it
    _form_images: dict = field(default_factory=dict)  # an image in the forms, by what it holds
    _form_groups: dict = field(default_factory=dict)  # shape digest → its form's q … Q groups
    # The drawn pages whose contents finish() writes: (page index, the operators before the
    # images, the images placed, the operators after them)
    _drawn: list = field(default_factory=list)
    _font_resources: Any = None
    # WeasyPrint's colour operators name an opacity state (/a1 gs): shared like the fonts.
    _states: dict = field(default_factory=lambda: {"ExtGState": {}})
    _state_resources: Any = None
    pages_drawn: int = 0
    pages_laid_out: int = 0

    def __post_init__(self):
        import pikepdf

        self.pdf = pikepdf.new()
        self.pdf.docinfo["/Title"] = self.title
        # Filled in by finish(): every drawn page refers to this one font dictionary.
        self._font_resources = self.pdf.make_indirect(pikepdf.Dictionary())
        self._state_resources = self.pdf.make_indirect(pikepdf.Dictionary())

    def add_drawn_page(
        self, key: tuple, shape: Shape, runs: list[_Run], page: PageData, pictures: list[_Picture]
    ) -> None:
        import pikepdf

        forms = {"S": self._form(key, shape)}
        if shape.stub_form is not None:  # put together from bands: its stub, then its rows
            forms = {"B": self._form(("stub", shape.stub_form_key), shape.stub_form), **forms}
        mediabox = shape.mediabox
        # WeasyPrint's page space: origin top left, y down, CSS pixels.
        page_space = b"1 0 0 -1 0 %f cm %f 0 0 %f 0 0 cm" % (mediabox[3], PX_TO_PT, PX_TO_PT)
        # In a full layout's paint order: the canvas background, the data images, what the forms
        # paint (some of it over the images' edges), then the data runs.
        under = b"q " + page_space
        if shape.background is not None:
            under += b"\n" + engine.draw_fill(self._states, *shape.background)
        images = []
        for (uri, size), picture, (x, y, width, height) in zip(
            page.images, pictures, shape.images, strict=True
        ):
            if size is not None:  # (x, y) is the centre it is drawn around
                x, y = x - size[0] / 2, y - size[1] / 2
                width, height = size
            images.append(
                _PlacedImage(uri, picture, b"%f 0 0 %f %f %f cm" % (width, -height, x, y + height))
            )
            self._image_uses[uri] = self._image_uses.get(uri, 0) + 1
        over = b"\n".join(
            [
                *(b"q /%s Do Q" % name.encode() for name in forms),
                b"q " + page_space,
                _draw_runs(self.fonts, self._states, shape, runs),
                b"Q",
            ]
        )
        page_dict = pikepdf.Dictionary(
            Type=pikepdf.Name.Page,
            MediaBox=list(mediabox),
            Resources=pikepdf.Dictionary(
                XObject=pikepdf.Dictionary(**forms),
                Font=self._font_resources,
                ExtGState=self._state_resources,
            ),
        )
        self.pdf.pages.append(pikepdf.Page(page_dict))
        # The contents wait for finish(), when it is known which images this file uses once.
        self._drawn.append((len(self.pdf.pages) - 1, under, tuple(images), over))
        self.pages_drawn += 1

    def _form(self, key: tuple, shape: Shape):
        """The shape's form in this file, copied into it when first drawn."""
        form = self._forms.get(key)
        if form is None:
            form = self._forms[key] = self.pdf.copy_foreign(shape.form)
            self._hold_fonts(form, shape.font_sources, shape.embedded_fonts())
            self._share_form_images(form)
            self._form_groups[key] = shape.content_groups()
        return form

    def _write_drawn_contents(self) -> None:
        """Each drawn page's contents. An image used once in the file is written inline, in the
        page's contents (PDF 8.9.7), where an image XObject would cost its own object, its
        dictionary and its cross-reference entry, about 200 bytes each after compression: a
        notice's own codes, sheet marks and barcode are ten or so. An image several pages show
        (a page every household of a language shares) stays one XObject they all refer to."""
        # Each page's operators are let go as its stream is made: the file's pages are held once.
        drawn, self._drawn = self._drawn, []
        drawn.reverse()
        while drawn:
            index, under, images, over = drawn.pop()
            page = self.pdf.pages[index]
            parts = [under]
            for number, placed in enumerate(images):
                if self._image_uses[placed.uri] == 1 and _inlinable(placed.picture):
                    parts.append(b"q %s %s Q" % (placed.matrix, _inline_image(placed.picture)))
                else:
                    name = f"I{number}"
                    page.obj.Resources.XObject[f"/{name}"] = self._image(placed.uri, placed.picture)
                    parts.append(b"q %s /%s Do Q" % (placed.matrix, name.encode()))
            parts += [b"Q", over]
            page.obj.Contents = self.pdf.make_stream(b"\n".join(parts))

    def add_laid_out_pages(self, data: bytes, font_sources: tuple = ()) -> None:
        """A notice laid out in full (`font_sources`: its fonts' files, as Shape.font_sources)."""
        import pikepdf

        with pikepdf.open(io.BytesIO(data)) as part:
            first = len(self.pdf.pages)
            self.pdf.pages.extend(part.pages)
            self.pages_laid_out += len(part.pages)
        for page in self.pdf.pages[first:]:
            self._hold_fonts(page.obj, font_sources)

    def _share_form_images(self, form) -> None:
        """Point the form at the file's copy of each image an earlier form brought: every form
        is copied with its own images, and a static image most pages show (page 1's code to the
        foreign-language page) was in a chunk file once per form, 192 times in 500 households."""
        import pikepdf

        xobjects = form.get("/Resources", {}).get("/XObject")
        if not isinstance(xobjects, pikepdf.Dictionary):
            return
        for name, image in list(xobjects.items()):
            if not isinstance(image, pikepdf.Stream) or image.get("/Subtype") != "/Image":
                continue
            # The dictionary as written (another object it refers to, a soft mask, differs
            # between copies: such an image is kept as it is) and the data as stored.
            key = (image.stream_dict.unparse(), hashlib.sha256(image.read_raw_bytes()).digest())
            shared = self._form_images.setdefault(key, image)
            if shared is not image:
                xobjects[name] = shared

    def _hold_fonts(self, holder, font_sources: tuple, embedded: dict | None = None) -> None:
        import pikepdf

        fonts = holder.get("/Resources", {}).get("/Font")
        if not isinstance(fonts, pikepdf.Dictionary):
            return
        if not fonts.is_indirect or fonts.objgen not in self._held:
            self._font_holders.append(fonts)
            self._holder_fonts.append(embedded)
            self._held.add(fonts.objgen)
        for name, sha256, index in font_sources:
            self._font_sources.setdefault(name, (sha256, index))

    def _image(self, uri: str, picture: _Picture):
        if uri not in self._images:
            self._images[uri] = self.pdf.make_indirect(_image_xobject(self.pdf, picture))
        return self._images[uri]

    def finish(self) -> bytes:
        """The file's bytes: one subset of each font for all its pages (_share_fonts), subset
        tags and the file identifier from the content."""
        import pikepdf

        self._write_drawn_contents()
        shared = fontsharing.share_fonts(
            self.pdf, self.fonts, self._font_holders, self._font_sources, self._holder_fonts
        )
        for font in self.fonts.values():
            self._font_resources[f"/{font.hash}"] = shared[font.hash]
        # After the fonts: a block's resources are its first form's, pointing at shared subsets.
        formblocks.share(
            self.pdf, [(form, self._form_groups[key]) for key, form in self._forms.items()]
        )
        for name, state in sorted(self._states["ExtGState"].items()):
            self._state_resources[f"/{name}"] = pikepdf.Dictionary(
                {f"/{key}": value for key, value in state.items()}
            )
        tag_subsets_by_content(self.pdf)
        version = self.finishing(self.pdf) if self.finishing is not None else None
        streams = press.object_streams(version)
        if streams == pikepdf.ObjectStreamMode.generate:
            # After the finishing, which drops from each form the colour spaces it does not use.
            share_form_resources(self.pdf)
        out = io.BytesIO()
        self.pdf.save(
            out,
            deterministic_id=True,
            compress_streams=True,
            force_version=version,
            object_stream_mode=streams,
        )
        self.pdf.close()
        return out.getvalue()


def _draw_runs(fonts: dict, states: dict, shape: Shape, runs: list[_Run]) -> bytes:
    """The runs' drawing operators; the fonts and graphic states they use are added to those given."""
    placed = []
    for line in shape.lines:
        x = _line_start(line, [runs[number].width for number in line.runs])
        for number, y in zip(line.runs, line.baselines, strict=True):
            run = runs[number]
            if run.text.strip():
                placed.append(engine.Placed(run.text, shape.styles[number], run.layout, x, y))
            x += run.width
    return engine.draw_text(fonts, states, placed)


def share_form_resources(pdf) -> None:
    """Write each form's resource dictionary as an object of its own, one for all the forms whose
    resources are the same, and without its empty categories (WeasyPrint writes /Pattern << >>).

    A stream's dictionary is written as it is, uncompressed, while an object of its own goes into
    a compressed object stream (PDF/X-4; press.object_streams): about 300 bytes of every form's
    dictionary were its resources, in a chunk file of 500 notices holding some 750 forms and
    blocks. Only for a file with object streams (without them, an object of its own costs more
    than it saves), and only once nothing changes a form's resources any more."""
    import pikepdf

    forms = [
        candidate
        for candidate in pdf.objects
        if isinstance(candidate, pikepdf.Stream) and candidate.get("/Subtype") == "/Form"
    ]
    shared: dict[bytes, Any] = {}
    for form in forms:
        resources = form.get("/Resources")
        if not isinstance(resources, pikepdf.Dictionary) or resources.is_indirect:
            continue
        for category in list(resources.keys()):
            entries = resources[category]
            if isinstance(entries, pikepdf.Dictionary) and not entries.is_indirect and not entries:
                del resources[category]
        key = resources.unparse()
        if key not in shared:
            shared[key] = pdf.make_indirect(resources)
        form.Resources = shared[key]


def tag_subsets_by_content(pdf) -> None:
    """Give each embedded font subset a tag of its own (ABCDEF+BIZ-UDPGothic).

    PDF 9.6.4: different subsets in one file have different tags. WeasyPrint derives a tag from
    the font's name, so every shape's form would carry its own subset of a font under one tag,
    and a RIP that caches fonts by name could draw one form with another's glyphs. The tag is
    taken from the subset's bytes: the same subset, the same tag, in every run.
    """
    import pikepdf

    for candidate in pdf.objects:
        if not isinstance(candidate, pikepdf.Dictionary) or candidate.get("/Subtype") != "/Type0":
            continue
        descendant = candidate.DescendantFonts[0]
        descriptor = descendant.FontDescriptor
        program = descriptor.get("/FontFile2") or descriptor.get("/FontFile3")
        if program is None:
            continue
        digest = hashlib.sha256(program.read_raw_bytes()).digest()
        tag = "".join(chr(ord("A") + byte % 26) for byte in digest[:6])
        for holder, key in (
            (candidate, "/BaseFont"),
            (descendant, "/BaseFont"),
            (descriptor, "/FontName"),
        ):
            name = str(holder[key]).lstrip("/").split("+", 1)[-1]
            holder[key] = pikepdf.Name(f"/{tag}+{name}")


@dataclass(frozen=True)
class _Picture:
    """A data image's pixels, as the PDF image takes them (DeviceGray)."""

    width: int
    height: int
    bits: int  # 1 (black and white: the project's codes and marks), or 8 (grey)
    data: bytes


def _plain_png(uri: str) -> _Picture | None:
    """The pixels of a PNG a full render draws as this renderer does (grey or 1-bit, opaque);
    None for anything else."""
    from PIL import Image

    if not uri.startswith("data:image/png;base64,"):
        return None
    try:
        data = base64.b64decode(uri.partition(",")[2])
        # A code made in this process: its pixels as made (what decoding the PNG would give).
        picture = voicecode.made_image(data)
        if picture is None:
            picture = Image.open(io.BytesIO(data))
        if picture.mode not in ("1", "L") or "transparency" in picture.info:
            return None
        if picture.mode == "L" and not any(picture.histogram()[1:255]):
            # Black and white only (the project's codes and marks): at one bit a pixel, a PDF
            # viewer or RIP draws the same pixels from an eighth of the bytes (test_variable_print
            # compares them with a full layout's 8-bit image).
            picture = picture.convert("1", dither=Image.Dither.NONE)
        data = picture.tobytes()
    except Exception:
        return None
    return _Picture(picture.width, picture.height, 1 if picture.mode == "1" else 8, data)


@dataclass(frozen=True)
class _PlacedImage:
    uri: str
    picture: _Picture
    matrix: bytes  # the cm operator that maps the unit square onto where it is drawn


# The PDF reference's advice (PDF 1.7, 8.9.7): inline images of 4 KB or less.
INLINE_IMAGE_BYTES = 4096


def _inlinable(picture: _Picture) -> bool:
    return len(picture.data) <= INLINE_IMAGE_BYTES


def _inline_image(picture: _Picture) -> bytes:
    """An inline image of the picture, as _image_xobject draws it: DeviceGray, never smoothed.

    Its data is hexadecimal (ASCIIHexDecode): no run of it can read as the EI that ends the
    image, which raw binary data can, so every reader finds the end where it is. The page's
    contents are compressed as a whole, so the hex costs little more than the bytes would.
    """
    return b"BI /W %d /H %d /CS /G /BPC %d /I false /F /AHx ID %s> EI" % (
        picture.width,
        picture.height,
        picture.bits,
        picture.data.hex().encode("ascii"),
    )


def _image_xobject(pdf, picture: _Picture):
    """A data image as an image XObject, never smoothed (the templates print them pixelated)."""
    import pikepdf

    return pikepdf.Stream(
        pdf,
        picture.data,
        Type=pikepdf.Name.XObject,
        Subtype=pikepdf.Name.Image,
        Width=picture.width,
        Height=picture.height,
        ColorSpace=pikepdf.Name.DeviceGray,
        BitsPerComponent=picture.bits,
        Interpolate=False,
    )
