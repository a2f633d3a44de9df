"""Blocks of drawing that the forms of a chunk file share, written into it once.

Page 1's forms are many (a page put together from bands draws its stub as moved, one form for
each height of its member rows, and its rows, one form for each set of rows), yet much of what
they draw (the frames around the fields, the fills, the rules, the notch guides) is drawn byte for
byte the same by the other page-1 forms of the file, and by the reply forms. A form's content, as WeasyPrint
writes it, is a tree of q … Q groups. A group without text that the file's forms draw twice or
more, of MIN_BLOCK_BYTES or more, becomes a form XObject of its own that each of them invokes with
Do, so its operators are stored once. What is painted is the same: Do saves the graphics state,
paints the block's operators and restores the state, just as the group's own q … Q did, and the
block has no matrix and a bounding box that clips nothing. Measured on 60 population households
in one chunk: 26.5 KB a notice became 25.9 KB, every page the same at 150 and 300 dpi (PDFium)
and in Ghostscript.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from dataclasses import dataclass

# Smaller groups cost more as a block (its object, its dictionary, its resources) than they save:
# measured, 300 bytes saved most (150 bytes: 1.2% less; 1,000 bytes: 1.7% less).
MIN_BLOCK_BYTES = 300
# In the block's own space, which is the space of the form where it is invoked: CSS pixels of a
# page, never near this.
_NO_CLIP = (-100000, -100000, 100000, 100000)
_NAME = re.compile(rb"/([^\s/\[\]()<>{}%]+)")
# Content this module does not take apart: literal strings and inline image data can hold a line
# reading q or Q.
_NOT_TAKEN_APART = re.compile(rb"\(|(?:^|\s)BI(?:\s|$)")
# Marked content (WeasyPrint's /Span with /ActualText around shaped scripts) is taken apart only
# where each sequence begins and ends within one group: BDC and BMC end a line, EMC is one.
_MARKED_CONTENT_BEGINS = (b"BDC", b"BMC")
BLOCK_PREFIX = "/nb"  # the blocks' names in a form's resources, numbered


@dataclass(frozen=True)
class Group:
    """A q … Q group of a content stream: where it is, the digest of its operators (between its q
    and its Q), and the groups it holds."""

    start: int  # offset of its q
    end: int  # offset just after its Q
    body_start: int
    body_end: int
    digest: bytes
    children: tuple[Group, ...]


def groups(content: bytes, min_bytes: int = MIN_BLOCK_BYTES) -> tuple[Group, ...] | None:
    """The content's q … Q groups that may become blocks, outermost first (each with those it
    holds), or None when the content is not one to take apart (unbalanced groups or marked
    content, literal strings, inline images). WeasyPrint writes q, Q, BDC and EMC each at a
    line's end, q, Q, BT and EMC alone.

    Left out, to keep little per shape: a group under `min_bytes` (and the groups in it), and a
    group holding text, whose place the groups in it take. Text stays in the forms: in a block,
    PDFium composes the block's matrix with the page's in another order, and the float rounding
    moved glyph edges (measured: up to 2 grey levels on 13,570 pixels of 40 of 136 pages at
    300 dpi; none for lines and fills), so the renderers' pages would no longer be identical
    pixel for pixel (test_variable_print).
    """
    if _NOT_TAKEN_APART.search(content):
        return None
    stack: list[tuple[int, int, list[Group]]] = [(-1, 0, [])]
    offset = marked = 0
    texts: list[int] = []  # where each text object begins
    view = memoryview(content)
    for line in content.split(b"\n"):
        if line == b"q":
            stack.append((offset, marked, []))
        elif line == b"Q":
            if len(stack) == 1 or stack[-1][1] != marked:
                return None
            start, _marked, children = stack.pop()
            body_start, body_end = start + 2, max(start + 2, offset - 1)
            if body_end - body_start < min_bytes:
                pass  # too small to be a block, and so is every group in it
            elif texts and texts[-1] >= body_start:
                stack[-1][2].extend(children)
            else:
                digest = hashlib.sha256(view[body_start:body_end]).digest()
                stack[-1][2].append(
                    Group(start, offset + 1, body_start, body_end, digest, tuple(children))
                )
        elif line == b"BT":
            texts.append(offset)
        elif line.endswith(_MARKED_CONTENT_BEGINS):
            marked += 1
        elif line == b"EMC":
            marked -= 1
            if marked < stack[-1][1]:
                return None
        offset += len(line) + 1
    if len(stack) != 1 or marked:
        return None
    return tuple(stack[0][2])


def share(pdf, forms: list[tuple]) -> int:
    """Factor the blocks out of `forms` ((form XObject, its groups or None), in the file's
    order), in place; returns how many blocks the file holds. Run after the forms' fonts point
    at the file's own subsets: a block's resources are copied from its first form's."""
    uses: Counter[bytes] = Counter()

    def count(nodes: tuple[Group, ...]) -> None:
        for node in nodes:
            uses[node.digest] += 1
            count(node.children)

    for _form, nodes in forms:
        if nodes:
            count(nodes)
    blocks: dict[tuple, tuple[str, object]] = {}
    for form, nodes in forms:
        if nodes and form.get("/Resources") is not None:
            _factor_form(pdf, form, nodes, uses, blocks)
    return len(blocks)


def _factor_form(pdf, form, nodes: tuple[Group, ...], uses: Counter, blocks: dict) -> None:
    """Replace the form's groups that are blocks (made here the first time) by Do."""
    import pikepdf

    content = form.read_bytes()
    resources = form.Resources
    patterns = {name.lstrip("/") for name in resources.get("/Pattern", {})}
    taken = set(resources.get("/XObject", {}))
    pieces: list[bytes] = []
    invoked: dict[str, object] = {}
    position = 0

    def visit(nodes: tuple[Group, ...]) -> None:
        nonlocal position
        for node in nodes:
            body = content[node.body_start : node.body_end]
            names = {match.group(1).decode("latin-1") for match in _NAME.finditer(body)}
            # A pattern is placed in the space of the content that uses it: moved into a block,
            # it would move; such a group stays where it is.
            if uses[node.digest] < 2 or names & patterns:
                visit(node.children)
                continue
            used = _used_resources(resources, names)
            # WeasyPrint names some resources by number within a document (shadings, groups):
            # the same operators are the same block only where their names mean the same.
            key = (node.digest, _identities(used))
            if key not in blocks:
                block = pikepdf.Stream(
                    pdf,
                    body,
                    Type=pikepdf.Name.XObject,
                    Subtype=pikepdf.Name.Form,
                    BBox=list(_NO_CLIP),
                    Resources=pikepdf.Dictionary(
                        {category: pikepdf.Dictionary(entries) for category, entries in used}
                    ),
                )
                blocks[key] = (f"{BLOCK_PREFIX}{len(blocks)}", pdf.make_indirect(block))
            name, block = blocks[key]
            if name in taken:  # a name of the form's own: left as it is
                visit(node.children)
                continue
            invoked[name] = block
            pieces.extend((content[position : node.start], f"{name} Do".encode()))
            position = node.end

    visit(nodes)
    if not invoked:
        return
    pieces.append(content[position:])
    form.write(b"".join(pieces))
    if "/XObject" not in resources:
        resources.XObject = pikepdf.Dictionary()
    for name, block in invoked.items():
        resources.XObject[name] = block


def _used_resources(resources, names: set[str]) -> tuple[tuple[str, dict], ...]:
    """The entries of a form's resources that a block's operators may name (a name that appears
    in them anywhere: at worst an entry too many), by category."""
    import pikepdf

    used = []
    for category, entries in resources.items():
        if not isinstance(entries, pikepdf.Dictionary):
            continue
        kept = {key: value for key, value in entries.items() if key.lstrip("/") in names}
        if kept:
            used.append((category, kept))
    return tuple(used)


def _identities(used: tuple[tuple[str, dict], ...]) -> tuple:
    """What each resource named means: an object of the file (its number), or a value."""
    return tuple(
        (category, key, value.objgen if value.is_indirect else value.unparse())
        for category, entries in used
        for key, value in sorted(entries.items())
    )
