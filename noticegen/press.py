"""Print production files as a press's prepress takes them: PDF/X-4 or PDF/X-1a.

The batch assembles its chunk files with pikepdf (variable_print, or whole layouts joined);
`finish` makes such a file a PDF/X file before it is written:
- an output intent (GTS_PDFX) that embeds the configured press condition's CMYK ICC profile, so
  the RIP knows what the colours mean (all of them are black ink: see templates/notice/print.css);
- the version keys: GTS_PDFXVersion in the document information (and, for PDF/X-4, in the XMP
  metadata with the dates and identifiers ISO 15930-7 asks for), Trapped False, the PDF version;
- TrimBox and BleedBox on every page: the A4 sheet, since nothing on the notice bleeds;
- no colour space a page declares without using: WeasyPrint gives every page two Lab spaces,
  which PDF/X-1a does not allow and a preflight lists;
- grey images in DeviceGray: WeasyPrint writes a 1-bit PNG (an external voice-code encoder may
  print one) as an RGB image, which a press would print in four inks; an RGB image whose pixels
  are all grey is rewritten as the same pixels in DeviceGray. An image in colour stays as it is.

The dates written are the configured issue date (dates.issue), so that the same run gives the
same bytes (resume and reruns are compared byte for byte). The tagged notice of `noticegen
render` is PDF/UA and not a print production file: it does not pass through here.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import zlib
from pathlib import Path

from noticegen import settings

# PDF versions: PDF/X-4 is based on PDF 1.6, PDF/X-1a:2003 on PDF 1.4.
_PDF_VERSION = {"PDF/X-4": "1.6", "PDF/X-1a": "1.4"}
# GTS_PDFXVersion; PDF/X-1a:2003 also names its conformance level (GTS_PDFXConformance).
_VERSION_KEY = {"PDF/X-4": "PDF/X-4", "PDF/X-1a": "PDF/X-1:2003"}
_ICC_CMYK = b"CMYK"
_UNUSED_SPACE = re.compile(rb"/([A-Za-z0-9.#_-]+)\s+(?:cs|CS)\b")


class ProfileError(settings.ConfigError):
    """The configured output profile is missing or not a CMYK ICC profile."""


def output_profile(options: settings.Press) -> bytes:
    """The press condition's ICC profile, checked to be a CMYK output (printer) profile."""
    path = Path(options.output_profile)
    try:
        data = path.read_bytes()
    except OSError as error:
        raise ProfileError(
            "press.output_profile", f"cannot be read ({error.strerror}): {path}"
        ) from None
    # ICC header: size (0-3), device class at 12-15, colour space at 16-19, "acsp" at 36-39.
    if len(data) < 128 or data[36:40] != b"acsp":
        raise ProfileError("press.output_profile", f"is not an ICC profile: {path}")
    if data[16:20] != _ICC_CMYK or data[12:16] != b"prtr":
        raise ProfileError("press.output_profile", f"is not a CMYK printer profile: {path}")
    if options.pdfx == "PDF/X-1a" and data[8] > 2:
        raise ProfileError(
            "press.output_profile", f"PDF/X-1a (PDF 1.4) needs an ICC version 2 profile: {path}"
        )
    return data


def _pdf_date(day: dt.date) -> str:
    return f"D:{day:%Y%m%d}000000+09'00'"


def _xmp_date(day: dt.date) -> str:
    return f"{day:%Y-%m-%d}T00:00:00+09:00"


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _xmp(title: str, day: dt.date, document_id: str, version_key: str) -> bytes:
    date = _xmp_date(day)
    return f"""<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about=""
    xmlns:dc="http://purl.org/dc/elements/1.1/"
    xmlns:xmp="http://ns.adobe.com/xap/1.0/"
    xmlns:xmpMM="http://ns.adobe.com/xap/1.0/mm/"
    xmlns:pdf="http://ns.adobe.com/pdf/1.3/"
    xmlns:pdfxid="http://www.npes.org/pdfx/ns/id/">
   <dc:format>application/pdf</dc:format>
   <dc:title><rdf:Alt><rdf:li xml:lang="x-default">{_escape(title)}</rdf:li></rdf:Alt></dc:title>
   <xmp:CreateDate>{date}</xmp:CreateDate>
   <xmp:ModifyDate>{date}</xmp:ModifyDate>
   <xmp:MetadataDate>{date}</xmp:MetadataDate>
   <xmp:CreatorTool>noticegen</xmp:CreatorTool>
   <xmpMM:DocumentID>uuid:{document_id}</xmpMM:DocumentID>
   <xmpMM:InstanceID>uuid:{document_id}</xmpMM:InstanceID>
   <xmpMM:VersionID>1</xmpMM:VersionID>
   <xmpMM:RenditionClass>default</xmpMM:RenditionClass>
   <pdf:Producer>noticegen</pdf:Producer>
   <pdf:Trapped>False</pdf:Trapped>
   <pdfxid:GTS_PDFXVersion>{version_key}</pdfxid:GTS_PDFXVersion>
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>
<?xpacket end="w"?>""".encode()


def _drop_unused_colour_spaces(holder) -> None:
    """Remove the colour spaces a page or form declares but never selects (cs/CS)."""
    import pikepdf

    resources = holder.get("/Resources")
    if not isinstance(resources, pikepdf.Dictionary):
        return
    spaces = resources.get("/ColorSpace")
    if not isinstance(spaces, pikepdf.Dictionary) or not len(spaces):
        return
    if isinstance(holder, pikepdf.Stream):
        content = holder.read_bytes()
    else:
        content = pikepdf.Page(holder).obj.Contents
        content = (
            b"\n".join(part.read_bytes() for part in content)
            if isinstance(content, pikepdf.Array)
            else content.read_bytes()
        )
    used = {match.group(1).decode() for match in _UNUSED_SPACE.finditer(content)}
    for name in list(spaces.keys()):
        if name.lstrip("/") not in used:
            del spaces[name]


def _grey_images(pdf) -> None:
    """RGB images whose every pixel is grey, rewritten in DeviceGray (black ink only)."""
    import pikepdf
    from PIL import ImageChops

    for candidate in pdf.objects:
        if (
            not isinstance(candidate, pikepdf.Stream)
            or candidate.get("/Subtype") != "/Image"
            or candidate.get("/ColorSpace") != "/DeviceRGB"
            or candidate.get("/BitsPerComponent") != 8
            or "/Decode" in candidate
        ):
            continue
        picture = pikepdf.PdfImage(candidate).as_pil_image()
        if picture.mode != "RGB":
            continue
        red, green, blue = picture.split()
        if (
            ImageChops.difference(red, green).getbbox()
            or ImageChops.difference(red, blue).getbbox()
        ):
            continue  # colour the design means: left for the preflight to report
        candidate.write(zlib.compress(red.tobytes()), filter=pikepdf.Name.FlateDecode)
        if "/DecodeParms" in candidate:
            del candidate["/DecodeParms"]
        candidate.ColorSpace = pikepdf.Name.DeviceGray


def object_streams(version: str | None):
    """How a file of this PDF version is saved: with its dictionaries packed into compressed
    object streams from PDF 1.5 on (PDF/X-4; a notice's page, image and font dictionaries are
    about a quarter of its bytes otherwise), as plain objects before (PDF/X-1a is PDF 1.4)."""
    import pikepdf

    if version is not None and tuple(map(int, version.split("."))) >= (1, 5):
        return pikepdf.ObjectStreamMode.generate
    return pikepdf.ObjectStreamMode.disable


def finish(pdf, title: str, options: settings.Press, issue: dt.date, profile: bytes) -> str:
    """Make the pikepdf document `pdf` a PDF/X file (in place); returns the PDF version to save
    it with (pikepdf's save(min_version=..., force_version=...))."""
    import pikepdf

    version_key = _VERSION_KEY[options.pdfx]
    for page in pdf.pages:
        box = pikepdf.Array(list(page.mediabox))
        page.obj.TrimBox = box
        page.obj.BleedBox = pikepdf.Array(list(box))
        # Page-level leftovers of a tagged layout: no structure tree in a production file.
        for key in ("/StructParents", "/Tabs"):
            if key in page.obj:
                del page.obj[key]
        _drop_unused_colour_spaces(page.obj)
    for candidate in pdf.objects:
        if isinstance(candidate, pikepdf.Stream) and candidate.get("/Subtype") == "/Form":
            _drop_unused_colour_spaces(candidate)
    _grey_images(pdf)

    profile_stream = pdf.make_stream(profile)
    profile_stream.N = 4
    pdf.Root.OutputIntents = pikepdf.Array(
        [
            pikepdf.Dictionary(
                Type=pikepdf.Name.OutputIntent,
                S=pikepdf.Name.GTS_PDFX,
                OutputConditionIdentifier=options.output_condition_identifier,
                OutputCondition=options.output_condition,
                RegistryName=options.registry_name,
                Info=options.output_condition,
                DestOutputProfile=profile_stream,
            )
        ]
    )
    info = pdf.docinfo
    info["/Title"] = title
    info["/Creator"] = "noticegen"
    info["/Producer"] = "noticegen"
    info["/CreationDate"] = _pdf_date(issue)
    info["/ModDate"] = _pdf_date(issue)
    info["/Trapped"] = pikepdf.Name("/False")
    info["/GTS_PDFXVersion"] = version_key
    if options.pdfx == "PDF/X-1a":
        info["/GTS_PDFXConformance"] = "PDF/X-1a:2003"
    else:
        # The document's identity for XMP: from its title and date, the same on every run.
        digest = hashlib.sha256(f"{title}\n{issue}".encode()).hexdigest()
        document_id = f"{digest[:8]}-{digest[8:12]}-{digest[12:16]}-{digest[16:20]}-{digest[20:32]}"
        metadata = pdf.make_stream(_xmp(title, issue, document_id, version_key))
        metadata.Type = pikepdf.Name.Metadata
        metadata.Subtype = pikepdf.Name.XML
        pdf.Root.Metadata = metadata
    return _PDF_VERSION[options.pdfx]
