"""The notice as a reader sees it: every word and number decided, nothing yet drawn.

`build` is pure: from a household, the settings and a translator it makes a `NoticeView` in which
every string is localised, dates are in 和暦, the My Number is masked and the pages are counted.
Templates only place what is here, so the PDF, the HTML and the voice text never disagree.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import math
import re
from dataclasses import dataclass
from typing import Literal

import babel.dates

from noticegen import (
    addressblock,
    caches,
    cellfit,
    fonts,
    i18n,
    locales,
    mynumber,
    pagegeometry,
    postal,
    rules,
    voice,
    voicecode,
)
from noticegen.i18n import Translator
from noticegen.records import Household, Member
from noticegen.settings import Settings
from noticegen.wareki import format_wareki, to_wareki

BARCODE_POINTS = 10.0  # Japan Post's standard size: 79.8 mm × 3.6 mm
FORM_ROWS_PER_PAGE = 4  # member rows on a page of the Japanese reply form
# Five codes of version 20 at level M hold 3,345 bytes, less their markers and what is lost where
# codes break: a section of up to 3,200 bytes fits five codes in the scripts of one byte a
# character, a longer one is split. Sections share a page up to 2,600 bytes, which also keeps
# Cyrillic's wider lines above the codes (checked: tests/test_page_packing.py lays out every
# locale). Scripts of more bytes a character hold less (locales.Locale.page_voice_bytes, in place
# of 3,200, and 13/16 of it in place of 2,600): measured, Burmese guide pages of 2,600 bytes took
# five codes of version 24-25, which a phone's zbar misses one time in six.
LONE_SECTION_VOICE_BYTES = 3200
GUIDE_VOICE_BYTES = 2600


@dataclass(frozen=True)
class Edition:
    """Type sizes and how much a page holds: the standard notice, or the large-print one."""

    large_print: bool
    members_on_first_page: int
    members_per_page: int  # on a continuation page, which has no address or introduction
    type_sizes: dict[str, float]
    # For packing the guide's sections onto pages: full-width characters per line and lines per
    # page at the guide's type size, with room to spare (measured layouts are checked by tests).
    guide_chars_per_line: int
    guide_lines_per_page: int
    member_cards: bool = False  # one small table per member instead of one row each
    # The contact block at the foot of page 1 (the standard Japanese notice), or after the members.
    contact_on_page_one: bool = True
    # Where the contact block is not on page 1: False, after the last members, on a page of its
    # own when theirs is full; True (translated parts), after the last members only where their
    # page has room, since the check page that follows prints the same office, phone, hours and
    # address (「連絡のしかた」). The notes under the members stay with the last members.
    contact_left_to_check_page: bool = False
    # With contact_left_to_check_page: the most lines (guide_chars_per_line each) that page 1's
    # introduction and the notes may take for the notes to go under a single member there
    # (measured by laying out every locale; 0: never, the notes' codes would not fit page 1).
    first_page_note_lines: int = 0
    # The same for page 1 to hold two members (the notes under them when there are no more).
    first_page_two_member_lines: int = 0
    # The label column of a member card: large print's 80 mm, or less in a translated part at
    # 12 pt, whose values (long dates with their 和暦) need the width more than its labels do.
    card_label_mm: float = 80.0
    # Member cards a little tighter (line-height 1.2, thinner padding), so that three fit a page;
    # not in the tall scripts, whose stacked marks need the line spacing.
    compact_cards: bool = False
    # A guide page's voice text must fit its row of codes: at most this many UTF-8 bytes of the
    # sections' text on one page (None: no limit; the Japanese pages are shorter than their codes).
    guide_voice_bytes: int | None = None
    # Pages whose voice text fits their codes in the scripts of three bytes a character
    # (locales.Locale.short_page_one): page 1 without members, the introduction opening the check
    # pages, and the notes after the members on a page of their own, without the contact block
    # (the check page prints the same office, phone, hours and address).
    short_pages: bool = False


STANDARD = Edition(
    large_print=False,
    # Page 1's voice text reads every member printed on it, and its codes must fit the four slots
    # beside the contact box at the sturdy sizes (voicecode.VERSION_TIERS 1 and 2): five members
    # do; with ten, the codes dropped to the weakest size and the contact box, narrowed to the
    # width beside four codes, rose into the notes (measured with 4-11 member households).
    members_on_first_page=5,
    members_per_page=16,
    type_sizes={
        "body": 11.0,
        "table": 12.0,
        "guide": 12.0,
        "subheading": 13.0,
        "heading": 14.0,
        "title": 18.0,
    },
    guide_chars_per_line=44,
    guide_lines_per_page=30,
)
# Large print (spec/notice.md): body text at 16 pt or more, reflowed onto more pages. Members are
# printed as one small table each, since six columns at 16 pt do not fit the width of A4.
LARGE_PRINT = Edition(
    large_print=True,
    member_cards=True,
    contact_on_page_one=False,
    members_on_first_page=1,
    # Two 16 pt cards a continuation page: three ran into the voice codes' foot once the page's
    # codes held all three members (H0016).
    members_per_page=2,
    type_sizes={
        "body": 16.0,
        "table": 16.0,
        "guide": 16.0,
        "subheading": 17.0,
        "heading": 18.0,
        "title": 20.0,
    },
    guide_chars_per_line=32,
    guide_lines_per_page=23,
)


@dataclass(frozen=True)
class Paragraph:
    text: str
    strong: bool = False
    # The Japanese form beside the text (the office's name and address on a translated page, to
    # match the counter's sign and the envelope), tagged as Japanese by the template.
    japanese: str | None = None


@dataclass(frozen=True)
class Item:
    text: str
    title: str | None = None
    marker: str | None = None  # ①, (1) …: printed and read aloud, so part of the content
    details: tuple[str, ...] = ()


@dataclass(frozen=True)
class ItemList:
    items: tuple[Item, ...]


@dataclass(frozen=True)
class Section:
    heading: str
    body: tuple[Paragraph | ItemList, ...]
    # What the section is, for a part that explains it (the site's callouts): "contact" for the
    # check page's contact details, which a translated part may print instead of the contact block.
    role: str | None = None


@dataclass(frozen=True)
class MemberRow:
    name: str
    kana: str | None
    birth_date: str
    # The date as a member card prints it: (language, text) pieces, the 和暦 beside a translated
    # date tagged "ja" so a screen reader reads it in Japanese.
    birth_date_parts: tuple[tuple[str, str], ...]
    # A date in two pieces, year and month-day, so a narrow column breaks it only between them.
    birth_date_groups: tuple[str, ...]
    insured_symbol: str
    insured_number: str
    insured_branch: str | None
    # 記号・番号・枝番 as printed, each a line of its own: two in the members table and the reply
    # form (記号 / 番号・枝番, whatever their length), one on a member card (noticegen.cellfit).
    insured_lines: tuple[str, ...]
    acquired_date: str | None
    acquired_date_parts: tuple[tuple[str, str], ...]
    acquired_date_groups: tuple[str, ...]
    copay: str | None
    mynumber: str  # the masked number, or the "not registered" text
    mynumber_linked: bool
    mynumber_last4: str | None  # the digits within `mynumber`, printed bold
    position_label: str  # 「1人目」: the member's place in the household, for large print
    # The name and its reading as set in their cell: lines and type size (noticegen.cellfit).
    name_fit: cellfit.Fitted
    kana_fit: cellfit.Fitted | None
    # The name as registered: "ja" when written in Japanese script (a screen reader reads it in
    # Japanese on a translated page too); None for a name registered in Latin letters, which
    # takes the page's language.
    name_lang: str | None = "ja"

    @property
    def insured(self) -> str:
        return "".join(self.insured_lines)

    @property
    def mask_groups(self) -> tuple[str, ...]:
        """The mask before the digits, in its space-separated groups: lines break only between them."""
        if self.mynumber_last4 is None:
            return ()
        before = self.mynumber[: self.mynumber.rindex(self.mynumber_last4)]
        return tuple(group for group in before.split(" ") if group)

    @property
    def mask_after(self) -> str:
        """Whatever the configured mask pattern prints after the digits (usually nothing)."""
        if self.mynumber_last4 is None:
            return ""
        return self.mynumber[self.mynumber.rindex(self.mynumber_last4) + 4 :]


@dataclass(frozen=True)
class MemberTable:
    caption: str
    heading_name: str
    heading_birth_date: str
    heading_insured: str
    heading_acquired: str
    heading_copay: str
    heading_mynumber: str
    rows: tuple[MemberRow, ...]
    first_number: int  # the position of the first row's member in the household (1, 11, 27 …)


@dataclass(frozen=True)
class Contact:
    heading: str
    office: str  # in the reader's language (the municipality, then the section)
    phone_label: str
    phone: str
    hours_label: str
    hours: str
    address_label: str
    postal_code: str
    address: str
    # On a translated page, the office and its address as written in Japanese, printed beside
    # the translation (the counter's sign, a letter's envelope); None on Japanese pages.
    office_ja: str | None = None
    address_ja: str | None = None
    # The fields ("office", "hours", "address") printed in Japanese for want of a translation in
    # the configuration: the templates tag them lang="ja".
    in_japanese: tuple[str, ...] = ()


@dataclass(frozen=True)
class Field:
    """A labelled value on page 1 (保険者名, 保険者番号, 世帯主, 世帯番号)."""

    label: str
    value: str
    household_data: bool  # drawn per household by the batch (`| var`), or the same for all
    spoken: str  # the sentence the voice code reads for it
    value_ja: str | None = None  # beside a translated value: the Japanese, as on the card
    value_lang: str | None = None  # "ja" when `value` is Japanese on a translated page
    # Household data: its lines and type size in the field's cell (noticegen.cellfit).
    fitted: cellfit.Fitted | None = None


@dataclass(frozen=True)
class FormLabel:
    """A label of the reply form: its Japanese, and in a bilingual notice the household's language
    after it. The form is a Japanese document: the template tags the Japanese lang="ja" and leaves
    the translation in the page's language."""

    japanese: str
    translated: str | None = None

    def __str__(self) -> str:
        """「日本語 / translation」, as printed."""
        return self.japanese if self.translated is None else f"{self.japanese} / {self.translated}"


@dataclass(frozen=True)
class ReplyForm:
    """The enclosed 届出書: every word of the form, in Japanese, with the household's language
    beside the labels in a bilingual notice."""

    title: FormLabel
    instructions: tuple[FormLabel, ...]
    warning: FormLabel  # no full My Number on the form
    household_label: FormLabel
    household_id: str
    # The household id as set in the form's id box: its lines (noticegen.cellfit).
    household_id_lines: tuple[str, ...]
    code_uri: str  # a DataMatrix holding the household id alone
    code_label: FormLabel
    code_alt: str  # 「日本語 / translation」: an attribute holds no tags
    heading_name: FormLabel
    heading_birth_date: FormLabel
    heading_insured: FormLabel
    heading_mynumber: FormLabel
    heading_wrong: FormLabel
    heading_correct: FormLabel
    boxes: tuple[FormLabel, ...]  # what can be marked wrong, one box each
    reporter_heading: FormLabel
    reporter_fields: tuple[FormLabel, ...]
    return_heading: FormLabel
    return_lines: tuple[str, ...]
    spoken: tuple[str, ...]  # what the form page's voice code reads, before its member rows


@dataclass(frozen=True)
class LanguageName:
    """One language named in its own script, set in its own font, tagged with its language."""

    lang: str  # BCP 47: the HTML lang attribute, which becomes the PDF's /Lang
    text: str
    font_family: str


@dataclass(frozen=True)
class ForeignLine:
    runs: tuple[LanguageName, ...]  # every language the notice is explained in, the ward's order
    url: str
    url_text: str  # the address as printed: without the scheme, which the QR code carries
    qr_data_uri: str
    qr_alt: str


@dataclass(frozen=True)
class Page:
    kind: Literal["personal", "members", "check", "guide", "blank", "form"]
    number: int
    label: str  # 「1 / 4」
    heading: str | None = None
    sections: tuple[Section, ...] = ()
    members: MemberTable | None = None
    note: str | None = None
    shows_contact: bool = False  # the contact block is on this page
    shows_notes: bool = False  # the notes under the members (always with the contact block)
    form_rows: tuple[MemberRow, ...] = ()  # on a page of the reply form: its member rows
    form_first_number: int = 1
    # Page 1's contact box stands beside the page's codes, so that fewer codes fit their row
    # (pagegeometry.PAGE.max_codes_beside_text). The reply form's return address moves under the
    # form when the codes take the whole row (pages.html.j2).
    codes_beside_text: bool = False


@dataclass(frozen=True)
class Barcode:
    """Japan Post's customer barcode, printed directly under the addressee's name."""

    png_data_uri: str
    width_mm: float
    height_mm: float
    alt: str


@dataclass(frozen=True)
class PrintMark:
    """What the print vendor's machines read on a page: the notice's place in the mailing order,
    and on the front of each sheet a small DataMatrix (never mistaken for a voice code)."""

    sequence: str  # 「No. 000123」
    sheet_mark_uri: str | None  # the DataMatrix, on the front of a sheet
    sheet_mark_alt: str
    # Where they sit on the sheet, in mm from its top-left corner (the configuration's [press]).
    sequence_left_mm: float
    sequence_top_mm: float
    sheet_mark_left_mm: float
    sheet_mark_top_mm: float
    sheet_mark_size_mm: float


@dataclass(frozen=True)
class Window:
    x_mm: float
    y_mm: float
    width_mm: float
    height_mm: float
    padding_mm: float

    @property
    def below_mm(self) -> float:
        """Where page 1's text may begin: under the window, clear of what shows through it."""
        return self.y_mm + self.height_mm + 3.0


@dataclass(frozen=True)
class NoticeView:
    lang: str
    household_id: str
    first_page: int  # the number of this part's first page within the whole notice
    # The pages of the whole notice (both parts of a bilingual one): what each page prints after
    # its number (「1 / 10」), and what page 1's voice text says.
    pages_in_all: int
    shows_address: bool  # False for the translated part of a bilingual notice
    authority_note: str | None  # on translated pages: the Japanese text is the authoritative one
    # The locale's font first; Japanese proper nouns inside a translation (マイナ保険証) fall back
    # to the Japanese font. Only the project's fonts exist for the renderer.
    font_families: tuple[str, ...]
    document_title: str
    title: str
    sender: tuple[str, ...]
    issue_date: str
    address: addressblock.AddressLines
    addressee_reading: str  # the head's フリガナ when the head is a member who has one, for voice
    barcode: Barcode | None  # None for a representative postal code, which has none
    window: Window
    large_print: bool
    member_cards: bool
    title_in_masthead: bool  # Japanese titles fit beside the window; translated ones go below it
    sentence_gap: str  # between sentences printed in one paragraph: none in Japanese and Chinese
    type_sizes: dict[str, float]
    address_sizes: dict[str, float]
    intro: tuple[Paragraph, ...]
    reference_note: str  # 「令和6年10月1日現在の登録内容です」
    fields: tuple[Field, ...]  # 保険者名, 保険者番号, 世帯主, 世帯番号
    head_note: str | None  # why a head who is not a member (擬制世帯主) gets the notice
    # On the standard page 1 under the fields; in the editions whose page 1 holds one member
    # (large print, translations), with the notes after the members, where there is room.
    head_note_on_page_one: bool
    check_pointer: str | None  # after the members: the page that explains the check and the reply
    fields_in_one_row: bool  # the standard Japanese page 1 has room for one row only
    no_number_note: str | None
    contact: Contact
    not_a_card_note: str
    foreign_line: ForeignLine
    pages: tuple[Page, ...]
    reply_form: ReplyForm | None = None
    card_label_mm: float = 80.0  # the label column of a member card (Edition.card_label_mm)
    compact_cards: bool = False  # Edition.compact_cards
    voice_texts: tuple[str, ...] = ()  # what each page's voice code carries, page by page
    # The same texts as passages (what a code keeps together, what page 1's first code holds),
    # from which the texts are split over several codes when they do not fit one.
    voice_passages: tuple[tuple[voicecode.Passage, ...], ...] = ()
    # The codes themselves, made from voice_texts by noticegen.notice.make (an encoder may run a
    # program, so it is not part of this pure view).
    voice_codes: tuple[voicecode.PageCodes, ...] = ()

    # Marks for the print vendor (sequence number, inserter mark), set by the batch per page.
    print_marks: tuple[PrintMark | None, ...] = ()

    def page_codes(self, page: Page) -> voicecode.PageCodes | None:
        return self.voice_codes[page.number - self.first_page] if self.voice_codes else None

    def print_mark(self, page: Page) -> PrintMark | None:
        return self.print_marks[page.number - self.first_page] if self.print_marks else None

    @property
    def page_count(self) -> int:
        return len(self.pages)

    @property
    def lang_tag(self) -> str:
        """The BCP 47 tag of this part's language, for HTML `lang` and so the PDF's /Lang."""
        return locales.get(self.lang).bcp47

    @property
    def code_label_padding_mm(self) -> float:
        """How far each code's label sets its text down in its box: the part's fonts that overhang
        their lines (Burmese by 1.5 mm) would otherwise reach up into the code's quiet zone."""
        overhang_em = cellfit.content_above_line_em(
            _font_families(self.lang), CODE_LABEL_LINE_HEIGHT
        )
        return math.ceil(overhang_em * CODE_LABEL_PT * cellfit.PT_MM * 100) / 100


def build(
    household: Household,
    settings: Settings,
    translator: Translator,
    large_print: bool = False,
    numbering: tuple[int, int] | None = None,
    shows_address: bool = True,
    carries_form: bool = True,
) -> NoticeView:
    """The notice for one household in the translator's locale.

    The large-print edition is used when asked for, or when the configuration lists the household.
    `numbering` (first page number, pages in all) places this part within a bilingual notice, whose
    translated part does not repeat the address (`shows_address=False`). The reply form, when the
    configuration asks for one, ends the part that `carries_form`: in a bilingual notice, the
    translated part, so that the form comes once, at the end of the notice (in Japanese, with the
    household's language beside its labels).
    """
    _ = translator.gettext
    edition = _edition(
        large_print or household.household_id in settings.large_print.households,
        translator.locale,
    )
    window = settings.envelope
    address = addressblock.lay_out(
        household.postal_code,
        household.address,
        household.address2,
        household.head_name,
        window.window_width_mm,
        window.window_height_mm,
    )
    cells = cellfit.member_cells(translator.locale, edition.large_print)
    all_rows = [
        _member_row(position, member, settings, translator, cells)
        for position, member in enumerate(household.members, start=1)
    ]
    head_is_member = any(member.name == household.head_name for member in household.members)
    if not head_is_member and edition.contact_on_page_one:
        # The 擬制世帯主 sentence takes a member row's place on the standard page 1.
        edition = dataclasses.replace(
            edition, members_on_first_page=edition.members_on_first_page - 1
        )
    insurer = _configured(settings, "municipality.insurer", translator.locale)
    head_note = (
        None
        if head_is_member
        else _(
            "世帯主の方が{insurer}に加入していなくても、国民健康保険のお知らせは、"
            "世帯主の方にお送りすることになっています。そのため、このお知らせは"
            "世帯主の方あてにお送りしています。"
        ).format(insurer=insurer)
    )
    intro = _(
        "医療保険のデータベースに登録されている加入者情報の点検が、全国で完了しました。"
        "マイナ保険証を安心して使っていただけるよう、{insurer}に加入している"
        "あなたの世帯の方の登録情報と、ひも付けられているマイナンバーの下4桁を"
        "お知らせします。内容を確かめてください。"
    ).format(insurer=insurer)
    has_unlinked = any(member.mynumber_last4 is None for member in household.members)
    no_number_note = (
        _(
            "「登録なし」の方は、医療保険のデータベースにマイナンバーが登録されていません。"
            "マイナ保険証を使うには登録が必要ですので、下記の問い合わせ先にご連絡ください。"
        )
        if has_unlinked
        else None
    )
    not_a_card_note = _("このお知らせは、保険証として使うことはできません。")
    # Whether page 1 of a part that prints the contact after the members has room for the notes
    # under its one member: the introduction and the notes, in estimated lines (the check
    # pointer's page number does not change its length).
    page_one_lines = sum(
        -(-len(text) // edition.guide_chars_per_line)
        for text in (
            intro,
            head_note or "",
            no_number_note or "",
            not_a_card_note,
            _("確かめかたと、誤りがあるときの連絡のしかたは、{page}ページにあります。"),
        )
    )
    notes_fit_page_one = page_one_lines <= edition.first_page_note_lines
    if page_one_lines <= edition.first_page_two_member_lines:
        edition = dataclasses.replace(edition, members_on_first_page=2)
    authority_note = _authority_note(translator)
    card_text = _card_text(edition, translator, len(all_rows))
    fields = _fields(
        household,
        settings,
        translator,
        cellfit.household_cells(translator.locale, edition.large_print),
    )
    title = _("国民健康保険 加入者情報のお知らせ")
    sender = (
        _configured(settings, "municipality.name", translator.locale),
        _configured(settings, "sender.section", translator.locale),
    )
    issue_date = _date(settings.dates.issue, translator.locale)
    reference_note = _("{date}現在の登録内容です").format(
        date=_date(settings.dates.reference, translator.locale)
    )
    foreign_line = _foreign_line(settings, translator)
    envelope_window = Window(
        window.window_x_mm,
        window.window_y_mm,
        window.window_width_mm,
        window.window_height_mm,
        addressblock.PADDING_MM,
    )
    # Large print's page 1 keeps a card only where it fits above the codes' foot: a card is as
    # tall as its data, and what is above it (fields, introduction) as long as its translation.
    first_room_mm = None
    if edition.large_print and edition.members_on_first_page:
        first_room_mm = _first_page_room_mm(
            FirstPage(
                starts_mm=envelope_window.below_mm if shows_address else pagegeometry.PAGE.top_mm,
                authority_note=authority_note,
                title=None if shows_address and translator.locale == "ja" else title,
                issue_line=None if shows_address else f"{' '.join(sender)} {issue_date}",
                fields=fields,
                intro=() if edition.short_pages else (intro,),
                foreign_line=foreign_line if shows_address else None,
                reference_note=reference_note,
                caption=_member_table(
                    tuple(all_rows[: edition.members_on_first_page]),
                    1,
                    len(all_rows),
                    translator,
                ).caption,
            ),
            edition,
            card_text.families,
        )
    rows = _paginate_members(tuple(all_rows), edition, card_text, first_room_mm)
    # What the last members' continuation page has room for under its cards (cards as tall as
    # their data: issue 11): the notes, and the contact block after them.
    notes_mm = _paragraphs_mm(
        [
            head_note or "",
            " ".join(
                text
                for text in (
                    no_number_note,
                    not_a_card_note,
                    _("確かめかたと、誤りがあるときの連絡のしかたは、{page}ページにあります。"),
                )
                if text
            ),
        ],
        edition,
        card_text.families,
    )
    last_cards_mm = sum(_card_height_mm(row, edition, card_text) for row in rows[-1])
    notes_fit_last_page = len(rows) == 1 or last_cards_mm + notes_mm <= card_text.room_mm
    contact_fits_last_page = len(rows) == 1 or (
        last_cards_mm
        + notes_mm
        + _contact_mm(_contact(settings, translator), edition, card_text.families)
        <= card_text.room_mm
    )
    # The standard edition prints the contact block at the foot of page 1; large print has no room
    # there, so it follows the last members, on a page of its own if that page is full.
    contact_page_of_its_own = not edition.contact_on_page_one and (
        len(rows) == 1
        or len(rows[-1]) > edition.members_per_page // 2
        or not contact_fits_last_page
    )
    # A translated part keeps the notes with the last members (a page of their own, with the
    # contact block, only when the last members fill a continuation page) and prints the contact
    # block there only where it has room: the check page after it gives the same details.
    contact_with_last_members = not contact_page_of_its_own
    if edition.contact_left_to_check_page:
        last_page_members = len(rows[-1])
        if len(rows) == 1:
            contact_page_of_its_own = not notes_fit_page_one
            contact_with_last_members = False
        else:
            contact_page_of_its_own = (
                last_page_members >= edition.members_per_page or not notes_fit_last_page
            )
            contact_with_last_members = (
                last_page_members <= edition.members_per_page // 2 and contact_fits_last_page
            )
    if edition.short_pages:
        # The contact block never follows the members (a Burmese member with the notes and the
        # contact block took 3,000-4,500 bytes); the notes go under a last member alone when
        # they take at most half a page's voice text (UTF-8 bytes; measured in every locale:
        # tests/test_voice_tiers.py), else on a page of their own.
        notes_bytes = sum(
            len(text.encode())
            for text in (
                head_note or "",
                no_number_note or "",
                not_a_card_note,
                _("確かめかたと、誤りがあるときの連絡のしかたは、{page}ページにあります。"),
            )
        )
        contact_page_of_its_own = (
            len(rows[-1]) > edition.members_per_page // 2
            or notes_bytes > locales.get(translator.locale).page_voice_bytes // 2
            or not notes_fit_last_page
        )
        contact_with_last_members = False
    with_form = settings.notice.reply_form and carries_form
    check_pages = _paginate_guide(
        [
            (
                _("内容の確認と届出のお願い"),
                (
                    # Where page 1 has no room for it, the introduction says first why the
                    # reader is asked to check.
                    *(
                        (Section(_("国民健康保険 加入者情報のお知らせ"), (Paragraph(intro),)),)
                        if edition.short_pages
                        else ()
                    ),
                    *_check_sections(household, settings, translator, with_form),
                ),
            )
        ],
        edition,
        translator,
    )
    guide_pages = _paginate_guide(_guide_sections(settings, translator), edition, translator)
    total = len(rows) + contact_page_of_its_own + len(check_pages) + len(guide_pages)
    needs_blank = total % 2 == 1  # duplex: every notice ends on the back of a sheet
    total += needs_blank
    # The form is set at the standard type sizes in every edition (it keeps its layout for the
    # office), four members a page; beside Japanese its labels carry their translation: two in
    # the compact CJK scripts, one in the others (measured: a test renders every locale's form).
    form_rows_per_page = FORM_ROWS_PER_PAGE
    if (
        translator.locale != i18n.SOURCE_LOCALE
        and locales.get(translator.locale).guide_packing == "cjk"
    ):
        form_rows_per_page = 2
    elif translator.locale != i18n.SOURCE_LOCALE:
        form_rows_per_page = 1
    # The reply form starts on the front of a sheet of its own (the notice so far is even), so it
    # can be torn off and returned without taking any of the notice with it.
    form_pages = (
        _paginate_members(
            tuple(
                _member_row(
                    position,
                    member,
                    settings,
                    i18n.translator(),
                    cellfit.member_cells(translator.locale, False, form=True),
                )
                for position, member in enumerate(household.members, start=1)
            ),
            dataclasses.replace(
                edition,
                members_on_first_page=form_rows_per_page,
                members_per_page=form_rows_per_page,
            ),
        )
        if with_form
        else []
    )
    form_needs_blank = len(form_pages) % 2 == 1
    total += len(form_pages) + form_needs_blank

    first_page, grand_total = numbering or (1, total)

    def label(number: int) -> str:
        return _("{page} / {total}").format(page=number, total=grand_total)

    pages: list[Page] = []
    first_member = 1
    for index, page_rows in enumerate(rows):
        number = first_page + index
        # Page 1 of a part that starts its members on page 2 has no table.
        table = (
            _member_table(page_rows, first_member, len(household.members), translator)
            if page_rows
            else None
        )
        first_member += len(page_rows)
        last_personal = index == len(rows) - 1
        if index == 0:
            pages.append(
                Page(
                    "personal",
                    number,
                    label(number),
                    members=table,
                    shows_contact=edition.contact_on_page_one,
                    shows_notes=edition.contact_on_page_one
                    or (len(rows) == 1 and not contact_page_of_its_own),
                    codes_beside_text=edition.contact_on_page_one,
                )
            )
        else:
            pages.append(
                Page(
                    "members",
                    number,
                    label(number),
                    heading=_("加入者の情報（続き）"),
                    members=table,
                    shows_contact=(
                        not edition.contact_on_page_one
                        and last_personal
                        and contact_with_last_members
                    ),
                    shows_notes=(
                        not edition.contact_on_page_one
                        and last_personal
                        and not contact_page_of_its_own
                    ),
                )
            )
    if contact_page_of_its_own:
        number = first_page + len(pages)
        pages.append(
            Page(
                "members",
                number,
                label(number),
                heading=_("お問い合わせ"),
                shows_contact=not edition.short_pages,
                shows_notes=True,
            )
        )
    check_page_number = first_page + len(pages)
    for heading, sections in check_pages:
        number = first_page + len(pages)
        pages.append(Page("check", number, label(number), heading=heading, sections=sections))
    for heading, sections in guide_pages:
        number = first_page + len(pages)
        pages.append(Page("guide", number, label(number), heading=heading, sections=sections))
    blank_note = _("このページは、両面印刷のための白紙です。")
    if needs_blank:
        number = first_page + len(pages)
        pages.append(Page("blank", number, label(number), note=blank_note))
    first_row = 1
    for form_rows in form_pages:
        number = first_page + len(pages)
        pages.append(
            Page(
                "form",
                number,
                label(number),
                form_rows=form_rows,
                form_first_number=first_row,
            )
        )
        first_row += len(form_rows)
    if form_needs_blank:
        number = first_page + len(pages)
        pages.append(Page("blank", number, label(number), note=blank_note))

    notice = NoticeView(
        lang=translator.locale,
        household_id=household.household_id,
        first_page=first_page,
        pages_in_all=grand_total,
        shows_address=shows_address,
        font_families=_font_families(translator.locale),
        authority_note=authority_note,
        document_title=_("国民健康保険 加入者情報のお知らせ"),
        title=title,
        sender=sender,
        issue_date=issue_date,
        address=address,
        addressee_reading=next(
            (
                member.kana
                for member in household.members
                if member.name == household.head_name and member.kana
            ),
            household.head_name,
        ),
        barcode=_barcode(household, translator),
        window=envelope_window,
        large_print=edition.large_print,
        member_cards=edition.member_cards,
        card_label_mm=edition.card_label_mm,
        compact_cards=edition.compact_cards,
        # Readings in brackets make Easy Japanese titles as long as translated ones.
        title_in_masthead=translator.locale == "ja",
        sentence_gap=locales.get(translator.locale).sentence_gap,
        type_sizes=edition.type_sizes,
        address_sizes={
            "postal": addressblock.POSTAL_PT,
            "address": addressblock.ADDRESS_PT,
            "name": addressblock.NAME_PT,
            "line_height": addressblock.LINE_HEIGHT,
            "postal_gap_mm": addressblock.POSTAL_GAP_MM,
            "barcode_gap_mm": addressblock.BARCODE_GAP_MM,
        },
        reference_note=reference_note,
        fields=fields,
        head_note=head_note,
        # The standard edition's page 1 holds five members and the contact block: its check
        # page follows it directly.
        check_pointer=None
        if edition.contact_on_page_one
        else _("確かめかたと、誤りがあるときの連絡のしかたは、{page}ページにあります。").format(
            page=check_page_number
        ),
        fields_in_one_row=edition.contact_on_page_one,
        head_note_on_page_one=edition.contact_on_page_one,
        intro=() if edition.short_pages else (Paragraph(intro),),
        no_number_note=no_number_note,
        contact=_contact(settings, translator),
        not_a_card_note=not_a_card_note,
        foreign_line=foreign_line,
        pages=tuple(pages),
        reply_form=_reply_form(household, settings, translator) if with_form else None,
    )
    passages = voice.page_passages(notice, translator)
    return dataclasses.replace(
        notice,
        voice_passages=passages,
        voice_texts=tuple(
            voice.page_text(page, page_passages, translator)
            for page, page_passages in zip(notice.pages, passages, strict=True)
        ),
    )


def _barcode(household: Household, translator: Translator) -> Barcode | None:
    _ = translator.gettext
    symbols = postal.customer_barcode(household.postal_code, household.address, household.address2)
    if symbols is None:
        return None
    alt = _("郵便物の区分に使うカスタマバーコード")
    return Barcode(
        png_data_uri=voicecode.png_data_uri(postal.png(symbols)),
        width_mm=postal.width_mm(BARCODE_POINTS),
        height_mm=postal.height_mm(BARCODE_POINTS),
        alt=alt,
    )


def N_(message: str) -> str:
    """Marks a message for the catalog where it is translated later (by `both` and `spoken`)."""
    return message


# Locales whose readers read 和暦 as printed; the others get the Gregorian date in their own form,
# with the 和暦 beside it, since that is what the Japanese pages and the office show.
JAPANESE_LOCALES = tuple(locale.code for locale in locales.ALL if locale.reads_wareki)


def _edition(large_print: bool, locale: str) -> Edition:
    """The edition for a locale. Translations and やさしい日本語 print members as small tables (six
    columns of translated headings, or of headings with their readings, and Gregorian dates do not
    fit A4), and pack the guide by their script's line length."""
    edition = LARGE_PRINT if large_print else STANDARD
    if locale == i18n.SOURCE_LOCALE:
        return edition
    entry = locales.get(locale)
    packing = entry.guide_packing
    # Lines a page holds, measured on the translated guides (tests/test_page_packing.py lays
    # out every locale): the Japanese estimate's 30 lines filled the translated pages to 60-80%,
    # so the standard edition takes 6/5 of them in CJK and 11/10 in Latin scripts (some of whose
    # sections estimate short). The tall scripts' pages are bounded by their voice codes first.
    if packing == "cjk":
        chars = edition.guide_chars_per_line
        lines = edition.guide_lines_per_page * (5 if large_print else 6) // 5
    elif packing == "tall":  # stacked marks: fewer, shorter lines
        chars = edition.guide_chars_per_line * 3 // 2
        lines = edition.guide_lines_per_page * 4 // 5
    else:
        chars = edition.guide_chars_per_line * 9 // 5
        lines = edition.guide_lines_per_page * (10 if large_print else 11) // 10
    return dataclasses.replace(
        edition,
        member_cards=True,
        # Translated voice texts are long (up to five codes for page 1 in Khmer): keep the pages
        # short enough that their codes fit one row, and the contact block after the members.
        contact_on_page_one=False,
        members_on_first_page=0 if entry.short_page_one else 1,
        short_pages=entry.short_page_one,
        # Three cards a continuation page; two in the tall scripts, whose three members' voice
        # text (three bytes a character) needs six codes, one more than the row holds.
        members_per_page=min(edition.members_per_page, 2 if packing == "tall" else 3),
        guide_chars_per_line=chars,
        guide_lines_per_page=lines,
        # Every translated line is read aloud, and a page's codes are one row of at most five
        # (pagegeometry): see GUIDE_VOICE_BYTES.
        guide_voice_bytes=entry.page_voice_bytes * GUIDE_VOICE_BYTES // LONE_SECTION_VOICE_BYTES,
        contact_left_to_check_page=not large_print,
        # Measured (tests/test_page_packing.py lays out each locale's worst case): Latin scripts'
        # page 1 keeps the notes up to 13 such lines, CJK up to 16; the tall scripts' page 1 has
        # its five codes already.
        first_page_note_lines={"cjk": 16, "latin": 13}.get(packing, 0),
        # And two members up to 11 lines in CJK (Chinese and Korean: 9 to 12 lines, page 1 then
        # ends 199-224 mm down; やさしい日本語's 12 or more, whose taller cards leave 4 mm at 12);
        # never in the others, whose second card leaves no room under the shortest introduction.
        first_page_two_member_lines={"cjk": 11}.get(packing, 0),
        # Latin scripts' values (long dates) need the width more than their labels; CJK labels
        # (やさしい日本語's with readings) are the long part of their cards.
        card_label_mm=cellfit.card_label_mm(locale, large_print),
        compact_cards=not large_print and packing != "tall",
    )


def _font_families(locale: str) -> tuple[str, ...]:
    # The cells' fitting measures the text in the same families (one definition).
    return cellfit.font_families(locale)


def _date(date: dt.date, locale: str = "ja") -> str:
    """A date as the locale's reader reads it.

    >>> _date(dt.date(2024, 10, 25), "en")
    'October 25, 2024 (令和6年10月25日)'
    """
    if locale == locales.EASY_JAPANESE:
        return "".join(_easy_date_groups(date))
    wareki = format_wareki(date)
    if locale in JAPANESE_LOCALES:
        return wareki
    return f"{babel.dates.format_date(date, format='long', locale=locales.get(locale).babel)} ({wareki})"


def _date_parts(date: dt.date, locale: str) -> tuple[tuple[str, str], ...]:
    """`_date` in (language, text) pieces: "" is the page's language.

    >>> _date_parts(dt.date(2024, 10, 25), "en")
    (('', 'October 25, 2024'), ('ja', '（令和6年10月25日）'))
    """
    if locale in JAPANESE_LOCALES:
        return (("", _date(date, locale)),)
    own = babel.dates.format_date(date, format="long", locale=locales.get(locale).babel)
    # Full-width brackets: their own side bearing spaces them from the date before, so the two
    # pieces need no space between them (a space would be text of the page's between two runs).
    return (("", own), ("ja", f"（{format_wareki(date)}）"))


def _easy_date_groups(date: dt.date) -> tuple[str, str, str]:
    """A date in やさしい日本語, after the 2020 guideline (在留支援のためのやさしい日本語ガイドライン,
    出入国在留管理庁・文化庁): the Western year, which every reader knows, then the era year that
    Japanese papers print, its name read in hiragana (an era's first year as 1年, not 元年).

    >>> _easy_date_groups(dt.date(2024, 10, 25))
    ('2024年', '（れいわ 6年）', '10月25日')
    >>> _easy_date_groups(dt.date(1989, 1, 8))
    ('1989年', '（へいせい 1年）', '1月8日')
    """
    wareki = to_wareki(date)
    return (
        f"{date.year}年",
        f"（{wareki.era.reading} {wareki.year}年）",
        f"{wareki.month}月{wareki.day}日",
    )


def _date_groups(date: dt.date, locale: str = "ja") -> tuple[str, ...]:
    """A date in pieces for a narrow column: era year and month-day, or the locale's date and
    the 和暦 (やさしい日本語: the Western year, the era year read in hiragana, month-day).

    >>> _date_groups(dt.date(1989, 1, 8))
    ('平成元年', '1月8日')
    """
    if locale == locales.EASY_JAPANESE:
        return _easy_date_groups(date)
    wareki = to_wareki(date)
    if locale not in JAPANESE_LOCALES:
        return (
            babel.dates.format_date(date, format="medium", locale=locales.get(locale).babel),
            f"({wareki})",
        )
    return f"{wareki.era.name}{wareki.year_text}年", f"{wareki.month}月{wareki.day}日"


def _paginate_members(
    members: tuple[MemberRow, ...],
    edition: Edition,
    card_text: CardText | None = None,
    first_room_mm: float | None = None,
) -> list[tuple[MemberRow, ...]]:
    """Members onto pages: at most members_on_first_page on page 1 and members_per_page after
    (their voice text fills a row of codes). Member cards are also packed by height (`card_text`:
    the part's labels and fonts), since a card is as tall as its fitted data: page 1 keeps its
    cards while they fit `first_room_mm` (large print), or else only if they are no taller than
    the cards it was measured with (one line of name and of reading), and a continuation page
    takes cards while they fit its room."""
    if card_text is None or not edition.member_cards:
        first = edition.members_on_first_page
        pages = [members[:first]]
        rest = members[first:]
        while rest:
            pages.append(rest[: edition.members_per_page])
            rest = rest[edition.members_per_page :]
        return pages
    first = edition.members_on_first_page
    if first_room_mm is not None:
        while first and (
            sum(_card_height_mm(row, edition, card_text) for row in members[:first]) > first_room_mm
        ):
            first -= 1
    else:
        while first and _taller_than_measured(members[:first], edition, card_text):
            first -= 1
    pages = [members[:first]]
    rest = members[first:]
    while rest:
        taken, used = 0, 0.0
        for row in rest[: edition.members_per_page]:
            height = _card_height_mm(row, edition, card_text)
            if taken and used + height > card_text.room_mm:
                break
            taken, used = taken + 1, used + height
        pages.append(rest[:taken])
        rest = rest[taken:]
    return pages


def _taller_than_measured(
    rows: tuple[MemberRow, ...], edition: Edition, card_text: CardText
) -> bool:
    """Whether member cards are taller than the cards page 1 and the notes under the last members
    were measured with: the same cards with one line of name and one of reading."""
    if not edition.member_cards:
        return False
    height = sum(_card_height_mm(row, edition, card_text) for row in rows)
    measured = sum(_card_height_mm(row, edition, card_text, one_line_names=True) for row in rows)
    return height > measured


CODE_LABEL_PT = 9.0  # print.css .voice-code-label
CODE_LABEL_LINE_HEIGHT = 1.25
NOTE_GAP_MM = 1.5  # print.css .note's margin-top
BODY_LINE_HEIGHT = 1.5  # print.css body
CONTACT_LINE_HEIGHT = 1.3  # print.css .contact
# .contact-inline's 3 mm above, .contact's padding (1.5 mm each side) and border (0.4 mm each
# side), and its heading's 0.5 mm below.
CONTACT_FRAME_MM = 3.0 + 2 * 1.5 + 2 * 0.4 + 0.5
CONTACT_TEXT_WIDTH_MM = cellfit.TEXT_WIDTH_MM - 2 * 2.5 - 2 * 0.4


def _paragraphs_mm(texts: list[str], edition: Edition, families: tuple[str, ...]) -> float:
    """How tall the notes' paragraphs are on a members page (the guide's size, full width)."""
    size = edition.type_sizes["guide"]
    line_mm = size * cellfit.PT_MM * BODY_LINE_HEIGHT
    return sum(
        NOTE_GAP_MM + _text_lines(text, cellfit.TEXT_WIDTH_MM, size, families) * line_mm
        for text in texts
        if text
    )


def _contact_mm(contact: Contact, edition: Edition, families: tuple[str, ...]) -> float:
    """How tall the contact block is under the last members (contact_box in pages.html.j2)."""
    size = edition.type_sizes["guide"]
    heading_pt = edition.type_sizes["subheading"]
    office = f"{contact.office} / {contact.office_ja}" if contact.office_ja else contact.office
    address = f"{contact.address_label} {contact.postal_code} {contact.address}"
    if contact.address_ja:
        address += f" / {contact.address_ja}"
    lines = [
        f"{contact.phone_label} {contact.phone}",
        f"{contact.hours_label} {contact.hours}",
        address,
    ]
    if contact.office_ja:
        lines.insert(0, office)
    else:
        lines[0] = f"{office}　{lines[0]}"
    heading_lines = _text_lines(
        contact.heading, CONTACT_TEXT_WIDTH_MM * BOLD_WIDTH_SHARE, heading_pt, families
    )
    text_lines = sum(_text_lines(line, CONTACT_TEXT_WIDTH_MM, size, families) for line in lines)
    return CONTACT_FRAME_MM + cellfit.PT_MM * CONTACT_LINE_HEIGHT * (
        heading_lines * heading_pt + text_lines * size
    )


# A member card's height, for packing cards by what they take (cellfit makes a card as tall as its
# data: a long name in up to three lines at 16 pt, its reading in two, a date that wraps). These are
# print.css's card rules (table.member-card, and the compact cards of pages.html.j2's part styles):
# tests/test_page_packing.py lays cards out and holds the estimate to at least their height in every
# locale and edition, and to at most CARD_ESTIMATE_SLACK_MM more in those it lists (TIGHT_CARD_CASES;
# elsewhere the labels' wider columns leave it 5-15 mm above), so a change to either side fails there.
CARD_LINE_HEIGHT = 1.25
COMPACT_CARD_LINE_HEIGHT = 1.2
CARD_PADDING_MM = 0.6  # above and below a cell's text
COMPACT_CARD_PADDING_MM = 0.3
CARD_GAP_MM = 2.0  # margin-top of each card
COMPACT_CARD_GAP_MM = 1.0
CARD_ESTIMATE_SLACK_MM = 3.0
# Print.css's members page above the cards, measured laid out: the caption's first line starts
# 15.7 mm below where the text starts (the page heading, its rule and gap), its lines at the body's 1.5
# line height; a translated page's authority note above it takes 1 mm padding and a 0.3 mm border
# each side, 3 mm below, and lines of 10 pt at 1.3. The cards then go down to the voice codes'
# foot (pagegeometry). tests/test_page_packing.py lays out full members pages of every locale.
PAGE_HEADING_MM = 15.7
CAPTION_LINE_HEIGHT = 1.5
AUTHORITY_NOTE_PT = 10.0
AUTHORITY_NOTE_LINE_HEIGHT = 1.3
AUTHORITY_NOTE_FRAME_MM = 2 * 1.0 + 2 * 0.3 + 3.0
AUTHORITY_NOTE_WIDTH_MM = cellfit.TEXT_WIDTH_MM - 2 * 2.0 - 2 * 0.3
# A bold caption is wider than the regular advances cellfit measures: its lines are counted in
# this share of the width.
BOLD_WIDTH_SHARE = 0.9
# The Japanese 和暦 beside a translated date is set in the Japanese font, whose ascent and descent
# sit differently on the line: such a line is this share of an em taller (measured: 0.8 mm at 16
# pt, 0.6 mm at 12 pt). A member card's other lang="ja" lines grow the same where they hold digits
# (its 記号・番号, a Japanese name 「見本 2」 and its reading).
MIXED_FONT_LINE_EM = 0.15
# In a part set in some script fonts of their own, every line of a card's values that holds Latin
# or Japanese text (names, readings, numbers, the 和暦) is taller by this share of an em: the fonts
# centre their glyphs at different heights, and the line holds both the part font's strut and the
# other font's text. Measured per line, rounded up: Burmese 0.156 (Noto Sans Myanmar's tall ascent
# and descent), Nepali 0.144, Thai 0.083; none for the CJK and Khmer fonts. A date's or 記号's line
# adds MIXED_FONT_LINE_EM on top (Burmese 0.293 in all). tests/test_page_packing.py holds every
# locale's cards to their laid-out height.
SCRIPT_FONT_LINE_EM = {
    "Noto Sans Myanmar": 0.16,
    "Noto Sans Devanagari": 0.15,
    "Noto Sans Thai": 0.09,
}
_LATIN_TEXT = re.compile(r"[0-9A-Za-z]")


@dataclass(frozen=True)
class CardText:
    """What a member card's height depends on besides its row: the labels and the part's fonts."""

    labels: tuple[str, ...]  # name, birth date, insured, acquired, copay, My Number
    families: tuple[str, ...]
    label_mm: float
    # The room for cards on a continuation page, under its heading, caption and authority note.
    room_mm: float


def _card_text(edition: Edition, translator: Translator, members: int) -> CardText:
    """A part's card labels, fonts and the room its continuation pages have for cards."""
    _ = translator.gettext
    families = _font_families(translator.locale)
    # The longest caption a continuation page has: two-digit member numbers, continued.
    caption = _(
        "登録されている加入者情報（{total}人のうち{first}〜{last}人目。続きは次のページにあります）"
    ).format(total=max(members, 99), first=98, last=99)
    labels = (
        _("氏名（フリガナ）"),
        _("生年月日"),
        _("被保険者証の記号・番号・枝番"),
        _("資格取得日"),
        _("負担割合"),
        _("マイナンバー（下4桁）"),
    )
    return CardText(
        # As printed: やさしい日本語's readings ｜漢字《かんじ》 in brackets after their kanji.
        labels=tuple(i18n.RUBY.sub(r"\1（\2）", label) for label in labels),
        families=families,
        label_mm=edition.card_label_mm,
        room_mm=_card_room_mm(edition, families, caption, _authority_note(translator)),
    )


def _card_room_mm(
    edition: Edition,
    families: tuple[str, ...],
    caption: str,
    authority_note: str | None,
) -> float:
    """The height a continuation page has for member cards: from under its caption (`caption`,
    the longest a page may have) and authority note to the voice codes' foot."""
    size = edition.type_sizes["guide"]
    caption_lines = _text_lines(caption, cellfit.TEXT_WIDTH_MM * BOLD_WIDTH_SHARE, size, families)
    top = (
        pagegeometry.PAGE.top_mm
        + PAGE_HEADING_MM
        + caption_lines * size * cellfit.PT_MM * CAPTION_LINE_HEIGHT
        + _authority_note_mm(authority_note, families)
    )
    return pagegeometry.PAGE.height_mm - pagegeometry.PAGE.foot_mm - top


# Page 1 of a large-print part above its cards (print.css, measured laid out): the translated part's
# title (h1.part-title: 1.5 mm padding and a 0.6 mm rule each side, lines at 1.3) and its issue
# line (1 mm above, 3 mm below); the fields (1 mm above, 1.5 mm below; each row its lines at 1.3,
# 0.5 mm padding each side and a 0.3 mm rule, label columns of 41.7 mm less their padding); the
# introduction (1 mm below); the Japanese part's line for foreign readers (1.5 mm above, at least
# as tall as its 12 mm code, its text at 0.85 em and 1.3 beside the code's 14 mm); the reference
# date (1 mm above) and the cards' caption (2 mm above), bold, at the body's 1.5.
TITLE_LINE_HEIGHT = 1.3
TITLE_FRAME_MM = 2 * 1.5 + 2 * 0.6
ISSUE_LINE_MARGINS_MM = (1.0, 3.0)
ISSUE_LINE_GAPS_MM = sum(ISSUE_LINE_MARGINS_MM)
FIELDS_MARGIN_MM = (1.0, 1.5)
FIELD_LINE_HEIGHT = 1.3
FIELD_ROW_FRAME_MM = 2 * 0.5 + cellfit.BORDER_MM
FIELD_LABEL_MM = 41.7 - 2 * cellfit.FIELD_CELL_PADDING_MM
FIELD_VALUE_MM = cellfit.TWO_ROW_VALUE_MM
INTRO_GAP_MM = 1.0
FOREIGN_GAP_MM = 1.5
FOREIGN_CODE_MM = 12.0
FOREIGN_TEXT_EM = 0.85
FOREIGN_TEXT_MM = cellfit.TEXT_WIDTH_MM - FOREIGN_CODE_MM - 2.0
FOREIGN_PADDING_MM = 0.5
FOREIGN_URL_GAP_MM = 1.5
REFERENCE_GAP_MM = 1.0
CARDS_CAPTION_GAP_MM = 2.0


@dataclass(frozen=True)
class FirstPage:
    """What page 1 of a part prints above its member cards, for the room it leaves them."""

    starts_mm: float  # where its text begins: under the window, or the part's top
    authority_note: str | None
    title: str | None  # the part's own title, or None in the masthead (the Japanese notice)
    issue_line: str | None  # the translated part's sender and issue date under its title
    fields: tuple[Field, ...]
    intro: tuple[str, ...]
    foreign_line: ForeignLine | None  # the Japanese part's line for readers of other languages
    reference_note: str
    caption: str  # the longest caption page 1's cards may have


def _first_page_room_mm(page: FirstPage, edition: Edition, families: tuple[str, ...]) -> float:
    """The height page 1 has for member cards: from under its fields, introduction, reference
    date and caption (each broken into lines by the fonts' advances) to the voice codes' foot."""
    size = edition.type_sizes["body"]
    line_mm = size * cellfit.PT_MM * BODY_LINE_HEIGHT
    width = cellfit.TEXT_WIDTH_MM

    def lines(text: str, width_mm: float, size_pt: float = size, bold: bool = False) -> int:
        return _text_lines(
            i18n.RUBY.sub(r"\1（\2）", text).replace(ZERO_WIDTH_SPACE, ""),
            width_mm * (BOLD_WIDTH_SHARE if bold else 1.0),
            size_pt,
            families,
        )

    top = page.starts_mm + _authority_note_mm(page.authority_note, families)
    if page.title is not None:
        title_pt = edition.type_sizes["title"]
        top += TITLE_FRAME_MM + lines(page.title, width, title_pt, bold=True) * (
            title_pt * cellfit.PT_MM * TITLE_LINE_HEIGHT
        )
    # Margins between blocks collapse: the larger of two counts.
    if page.issue_line is not None:
        top += ISSUE_LINE_GAPS_MM + lines(page.issue_line, width) * line_mm
        top += max(0.0, FIELDS_MARGIN_MM[0] - ISSUE_LINE_MARGINS_MM[1])
    else:
        top += FIELDS_MARGIN_MM[0]
    top += FIELDS_MARGIN_MM[1] + cellfit.BORDER_MM
    field_line_mm = size * cellfit.PT_MM * FIELD_LINE_HEIGHT
    for pair in (page.fields[index : index + 2] for index in range(0, len(page.fields), 2)):
        row_lines = 1
        for field in pair:
            if field.fitted is not None:
                value_lines = len(field.fitted.lines)
            else:
                value = field.value + (f" （{field.value_ja}）" if field.value_ja else "")
                value_lines = lines(value, FIELD_VALUE_MM)
            row_lines = max(row_lines, lines(field.label, FIELD_LABEL_MM), value_lines)
        top += row_lines * field_line_mm + FIELD_ROW_FRAME_MM
    gap_above_mm = FIELDS_MARGIN_MM[1]  # the last block's margin below, counted already
    for text in page.intro:
        top += max(0.0, INTRO_GAP_MM - gap_above_mm) + lines(text, width) * line_mm
        gap_above_mm = INTRO_GAP_MM
    if page.foreign_line is not None:
        top += max(0.0, FOREIGN_GAP_MM - gap_above_mm)
        top += max(FOREIGN_CODE_MM, _foreign_line_mm(page.foreign_line, size))
        gap_above_mm = 0.0
    top += max(0.0, REFERENCE_GAP_MM - gap_above_mm)
    top += lines(page.reference_note, width, bold=True) * line_mm
    top += CARDS_CAPTION_GAP_MM + lines(page.caption, width, bold=True) * line_mm
    return pagegeometry.PAGE.height_mm - pagegeometry.PAGE.foot_mm - top


def _foreign_line_mm(line: ForeignLine, body_pt: float) -> float:
    """How tall the foreign readers' line is beside its code: the language names, each kept whole
    (nowrap) in its own font, then the site's address."""
    size = body_pt * FOREIGN_TEXT_EM
    room_em = FOREIGN_TEXT_MM * cellfit.WIDTH_SAFETY / (size * cellfit.PT_MM)
    japanese = (cellfit.JAPANESE_FAMILY,)
    # The names are parted by " / ", where a line may break (its space at the line's end
    # hangs); each name in its locale's regular font (the names' subsets are cut from the same).
    separator = cellfit.width_em(" /", japanese)
    widths = [
        cellfit.width_em(run.text, cellfit.font_families(locale)) + separator
        for locale, run in zip(locales.TRANSLATED, line.runs, strict=True)
    ]
    widths[-1] -= separator
    # The address after a space and its 1.5 mm margin.
    widths.append(
        cellfit.width_em(f" {line.url_text}", japanese)
        + FOREIGN_URL_GAP_MM / (size * cellfit.PT_MM)
    )
    count, used = 1, 0.0
    for width in widths:
        if used and used + width > room_em:
            count, used = count + 1, 0.0
        used += width
    # The names in other scripts' fonts make every line a little taller (MIXED_FONT_LINE_EM).
    return FOREIGN_PADDING_MM + count * size * cellfit.PT_MM * (
        TITLE_LINE_HEIGHT + MIXED_FONT_LINE_EM
    )


# Kept: the guide's and the check page's texts are the same for every household of a locale and
# edition (16 locales, two editions, a few hundred texts each), and breaking them is most of what
# paginating costs.
@caches.memoized(16384)
def _text_lines(text: str, width_mm: float, size_pt: float, families: tuple[str, ...]) -> int:
    # At the width fitting allows (cellfit.WIDTH_SAFETY), so a line the renderer keeps whole by a
    # hair counts as two: the estimate errs on the tall side.
    width_em = width_mm * cellfit.WIDTH_SAFETY / (size_pt * cellfit.PT_MM)
    return max(1, len(cellfit.break_lines(text, width_em, families)))


def _card_height_mm(
    row: MemberRow, edition: Edition, text: CardText, one_line_names: bool = False
) -> float:
    """How tall a member card is laid out: its position line and its rows, each as tall as its
    label or its value, whichever takes more lines."""
    size = max(edition.type_sizes["table"], edition.type_sizes["guide"])
    compact = edition.compact_cards
    line_height = COMPACT_CARD_LINE_HEIGHT if compact else CARD_LINE_HEIGHT
    padding = COMPACT_CARD_PADDING_MM if compact else CARD_PADDING_MM
    line_mm = size * cellfit.PT_MM * line_height
    value_mm = cellfit.card_value_mm(text.label_mm) - 2 * cellfit.BORDER_MM
    label_mm = text.label_mm - 2 * cellfit.CARD_CELL_PADDING_MM - cellfit.BORDER_MM
    # What each line of a value adds over its line height, in em: a part set in some script
    # fonts has Latin or Japanese text in every value (SCRIPT_FONT_LINE_EM); Japanese text (the
    # 和暦, the 記号) outside the Japanese font takes more (MIXED_FONT_LINE_EM).
    script_em = SCRIPT_FONT_LINE_EM.get(text.families[0], 0.0)
    japanese_em = script_em
    if text.families[0] != cellfit.JAPANESE_FAMILY:
        japanese_em += MIXED_FONT_LINE_EM

    def lines_mm(lines: int, size_pt: float, extra_em: float = script_em) -> float:
        # The taller line's extra counts from the larger of the text and the cell's sizes.
        extra_mm = extra_em * max(size_pt, size) * cellfit.PT_MM
        return lines * (size_pt * cellfit.PT_MM * line_height + extra_mm)

    def fitted_mm(fitted: cellfit.Fitted, lang_ja: bool) -> float:
        # A name in Japanese script and its reading are set lang="ja": a line of theirs with
        # digits or Latin letters is as tall as the 和暦's (measured: 「ミホン 2」, not 「ミホン タロウ」).
        extras = [
            japanese_em if lang_ja and _LATIN_TEXT.search(line) else script_em
            for line in fitted.lines
        ]
        if one_line_names:
            extras = [max(extras)]
        return sum(lines_mm(1, fitted.size_pt, extra) for extra in extras)

    name_mm = fitted_mm(row.name_fit, row.name_lang == "ja")
    if row.kana_fit:
        name_mm += fitted_mm(row.kana_fit, True)
    values: list[float] = [name_mm]

    def value(text_: str) -> float:
        return lines_mm(_text_lines(text_, value_mm, size, text.families), size)

    def date(parts: tuple[tuple[str, str], ...]) -> float:
        # The 和暦 beside a translated date is set in the Japanese font (lang="ja"), narrower
        # than a Chinese or Korean font's full-width characters: on one line if both fit.
        whole_em = sum(
            cellfit.width_em(part, (cellfit.JAPANESE_FAMILY,) if lang else text.families)
            for lang, part in parts
        )
        lines = (
            1
            if whole_em <= value_mm * cellfit.WIDTH_SAFETY / (size * cellfit.PT_MM)
            else _text_lines("".join(part for _lang, part in parts), value_mm, size, text.families)
        )
        mixed = any(lang for lang, _part in parts)
        return lines_mm(lines, size, japanese_em if mixed else script_em)

    values.append(date(row.birth_date_parts))
    values.append(lines_mm(len(row.insured_lines), size, japanese_em))  # its cell is lang="ja"
    if row.acquired_date:
        values.append(date(row.acquired_date_parts))
    if row.copay:
        values.append(value(row.copay))
    values.append(value(row.mynumber))
    labels = (text.labels[0], text.labels[1], text.labels[2])
    labels += (text.labels[3],) if row.acquired_date else ()
    labels += (text.labels[4],) if row.copay else ()
    labels += (text.labels[5],)
    # The labels are in the part's own font: lines of the plain height.
    rows_mm = sum(
        max(value_, _text_lines(label, label_mm, size, text.families) * line_mm)
        + 2 * padding
        + cellfit.BORDER_MM
        for label, value_ in zip(labels, values, strict=True)
    )
    gap = COMPACT_CARD_GAP_MM if compact else CARD_GAP_MM
    return gap + line_mm + rows_mm + cellfit.BORDER_MM


def _estimated_lines(section: Section, chars_per_line: int) -> float:
    """How many lines a section takes at the guide's type size (headings and gaps included)."""

    def lines(text: str, indent: int = 0) -> int:
        return max(1, -(-len(text) // (chars_per_line - indent)))

    total = 2.0  # the heading and the space around it
    for block in section.body:
        if isinstance(block, ItemList):
            for item in block.items:
                total += lines(f"{item.marker or ''}{item.title or ''}{item.text}", 2) + 0.3
                total += sum(lines(detail, 3) for detail in item.details)
        else:
            total += lines(block.text) + 0.2
    return total


def _section_bytes(section: Section) -> int:
    """The UTF-8 size of a section's text: about what its voice text takes in a code."""
    texts = [section.heading]
    for block in section.body:
        if isinstance(block, ItemList):
            for item in block.items:
                texts += [item.marker or "", item.title or "", item.text, *item.details]
        else:
            texts.append(block.text)
    return sum(len(text.encode()) for text in texts)


def _split_long(
    section: Section,
    budget: int | None,
    gettext,
    room_mm: float,
    edition: Edition,
    families: tuple[str, ...],
) -> list[Section]:
    """A section whose text alone is more than a page's codes hold (`budget` bytes) or taller
    than a page's room (`room_mm`), in parts that each fit, split between its paragraphs and list
    items; the parts after the first are headed 「…（続き）」."""
    too_many_bytes = budget is not None and _section_bytes(section) > budget
    if not too_many_bytes and _section_mm(section, edition, families) <= room_mm:
        return [section]
    bare_mm = _section_mm(Section(section.heading, ()), edition, families)
    units: list[Paragraph | ItemList] = []
    for block in section.body:
        if isinstance(block, ItemList):
            units += [ItemList((item,)) for item in block.items]
        else:
            units.append(block)
    heading_bytes = len(section.heading.encode())
    parts: list[list[Paragraph | ItemList]] = [[]]
    used = heading_bytes
    used_mm = bare_mm
    for unit in units:
        size = _section_bytes(Section("", (unit,)))
        unit_mm = _section_mm(Section(section.heading, (unit,)), edition, families) - bare_mm
        if parts[-1] and (
            (budget is not None and used + size > budget) or used_mm + unit_mm > room_mm
        ):
            parts.append([])
            used = heading_bytes
            used_mm = bare_mm
        # Items of one list that stay together are one list again.
        if isinstance(unit, ItemList) and parts[-1] and isinstance(parts[-1][-1], ItemList):
            parts[-1][-1] = ItemList(parts[-1][-1].items + unit.items)
        else:
            parts[-1].append(unit)
        used += size
        used_mm += unit_mm
    _ = gettext  # `catalog extract` finds only _() and N_() calls
    continued = _("{heading}（続き）").format(heading=section.heading)
    return [
        Section(section.heading if index == 0 else continued, tuple(blocks))
        for index, blocks in enumerate(parts)
    ]


# print.css's guide and check pages: the page heading (h2, its 1.5 mm padding, 0.6 mm rule and 4 mm
# below), each section's h3 (1.5 mm rule and 2 mm padding at its left, 2 mm below) and its 5 mm
# below, paragraphs' 1.5 mm below, list items indented 8 mm with 2 mm below, a list's 2 mm below
# and a detail list's 1 mm above; every line at the body's 1.5 line height.
PAGE_HEADING_FRAME_MM = 1.5 + 0.6 + 4.0
SECTION_GAP_MM = 5.0
SECTION_HEADING_GAP_MM = 2.0
SECTION_HEADING_INDENT_MM = 1.5 + 2.0
PARAGRAPH_GAP_MM = 1.5
ITEM_INDENT_MM = 2.0 + 6.0
ITEM_GAP_MM = 2.0
LIST_GAP_MM = 2.0
DETAILS_GAP_MM = 1.0


def _authority_note(translator: Translator) -> str | None:
    """The line atop a translated page: the Japanese text is the authoritative one."""
    if translator.locale in JAPANESE_LOCALES:
        return None
    _ = translator.gettext  # `catalog extract` finds only _() and N_() calls
    return _("この翻訳は参考のためのものです。正式な内容は、日本語の文書のとおりです。")


def _authority_note_mm(authority_note: str | None, families: tuple[str, ...]) -> float:
    if not authority_note:
        return 0.0
    lines = _text_lines(authority_note, AUTHORITY_NOTE_WIDTH_MM, AUTHORITY_NOTE_PT, families)
    return AUTHORITY_NOTE_FRAME_MM + lines * AUTHORITY_NOTE_PT * cellfit.PT_MM * (
        AUTHORITY_NOTE_LINE_HEIGHT
    )


def _guide_room_mm(
    heading: str, authority_note: str | None, edition: Edition, families: tuple[str, ...]
) -> float:
    """The height under a guide or check page's heading (and a translated page's authority
    note) down to the voice codes' foot."""
    size = edition.type_sizes["heading"]
    lines = _text_lines(heading, cellfit.TEXT_WIDTH_MM * BOLD_WIDTH_SHARE, size, families)
    heading_mm = lines * size * cellfit.PT_MM * BODY_LINE_HEIGHT + PAGE_HEADING_FRAME_MM
    return (
        pagegeometry.PAGE.height_mm
        - pagegeometry.PAGE.foot_mm
        - pagegeometry.PAGE.top_mm
        - heading_mm
        - _authority_note_mm(authority_note, families)
    )


def _section_mm(section: Section, edition: Edition, families: tuple[str, ...]) -> float:
    """How tall a guide section is laid out, its lines broken by the fonts' advances."""
    size = edition.type_sizes["guide"]
    line_mm = size * cellfit.PT_MM * BODY_LINE_HEIGHT
    width = cellfit.TEXT_WIDTH_MM

    def lines(text: str, width_mm: float, bold: bool = False) -> int:
        return _text_lines(text, width_mm * (BOLD_WIDTH_SHARE if bold else 1.0), size, families)

    heading_pt = edition.type_sizes["subheading"]
    heading_lines = _text_lines(
        section.heading,
        (width - SECTION_HEADING_INDENT_MM) * BOLD_WIDTH_SHARE,
        heading_pt,
        families,
    )
    total = (
        heading_lines * heading_pt * cellfit.PT_MM * BODY_LINE_HEIGHT
        + SECTION_HEADING_GAP_MM
        + SECTION_GAP_MM
    )
    for block in section.body:
        if isinstance(block, ItemList):
            for item in block.items:
                # The title is bold: the item is counted at the bold width where it has one.
                text = f"{item.marker or '・'}{item.title or ''} {item.text}"
                total += lines(text, width - ITEM_INDENT_MM, bool(item.title)) * line_mm
                total += ITEM_GAP_MM
                if item.details:
                    total += DETAILS_GAP_MM + line_mm * sum(
                        lines(f"・{detail}", width - ITEM_INDENT_MM) for detail in item.details
                    )
            total += LIST_GAP_MM
        else:
            text = block.text + (f" / {block.japanese}" if block.japanese else "")
            total += lines(text, width, block.strong) * line_mm + PARAGRAPH_GAP_MM
    return total


# The guide's and check page's pagination, the same for every household with the same sections,
# edition and language: by those (the edition by its repr: its type sizes are a dict).
_PAGINATIONS = caches.Bounded(256)


def _paginate_guide(
    pages: list[tuple[str, tuple[Section, ...]]], edition: Edition, translator: Translator
) -> list[tuple[str, tuple[Section, ...]]]:
    """The guide's designed pages, each split at section boundaries where it does not fit."""
    key = (tuple(pages), repr(edition), translator)
    paginated = _PAGINATIONS.get(key)
    if paginated is None:
        paginated = tuple(_paginated_guide(pages, edition, translator))
        _PAGINATIONS.put(key, paginated)
    return list(paginated)


def _paginated_guide(
    pages: list[tuple[str, tuple[Section, ...]]], edition: Edition, translator: Translator
) -> list[tuple[str, tuple[Section, ...]]]:
    _ = translator.gettext
    families = _font_families(translator.locale)
    authority_note = _authority_note(translator)
    result = []
    budget = edition.guide_voice_bytes
    for heading, designed in pages:
        # A section alone on a page may take a little more than sections sharing one, which
        # lose room where the codes break between them (the locale's page_voice_bytes).
        lone = None if budget is None else budget * LONE_SECTION_VOICE_BYTES // GUIDE_VOICE_BYTES
        # Large print's pages also by their height from the fonts' advances: its estimate in
        # lines counts characters, which Latin and Cyrillic words wrapped at 16 pt outgrew (a
        # Mongolian guide page reached 245.9 mm). The standard edition's line estimates fit
        # (tests/test_page_packing.py), and the height measure, which errs on the tall side,
        # would cost CJK and Vietnamese parts a guide page (measured on bench/population.py).
        room_mm = (
            _guide_room_mm(
                _("{heading}（続き）").format(heading=heading), authority_note, edition, families
            )
            if edition.large_print
            else math.inf
        )
        sections = [
            part
            for section in designed
            for part in _split_long(section, lone, _, room_mm, edition, families)
        ]
        chunks: list[list[Section]] = [[]]
        used = 0.0
        used_bytes = 0
        # And the sections' height against the room under the page's heading (a continued
        # page's, the longer).
        used_mm = 0.0
        for section in sections:
            size = _estimated_lines(section, edition.guide_chars_per_line)
            spoken = _section_bytes(section)
            height_mm = _section_mm(section, edition, families)
            if chunks[-1] and (
                used + size > edition.guide_lines_per_page
                or (budget is not None and used_bytes + spoken > budget)
                or used_mm + height_mm > room_mm
            ):
                chunks.append([])
                used = 0.0
                used_bytes = 0
                used_mm = 0.0
            chunks[-1].append(section)
            used += size
            used_bytes += spoken
            used_mm += height_mm
        for index, chunk in enumerate(chunks):
            # A page that continues the one before says so.
            title = heading if index == 0 else _("{heading}（続き）").format(heading=heading)
            result.append((title, tuple(chunk)))
    return result


def _member_row(
    position: int,
    member: Member,
    settings: Settings,
    translator: Translator,
    cells: cellfit.MemberCells,
) -> MemberRow:
    """A member's row, its name, reading and 記号・番号・枝番 set in `cells` (rules.cells_fit has
    rejected a household whose text does not fit them)."""
    _ = translator.gettext
    linked = member.mynumber_last4 is not None
    if cells.insured_on_one_line:
        insured_lines: tuple[str, ...] = (
            cellfit.insured_text(
                member.insured_symbol, member.insured_number, member.insured_branch
            ),
        )
    else:
        insured_lines = cellfit.insured_lines(
            member.insured_symbol, member.insured_number, member.insured_branch
        )
    return MemberRow(
        name=member.name,
        kana=member.kana,
        birth_date=_date(member.birth_date, translator.locale),
        birth_date_parts=_date_parts(member.birth_date, translator.locale),
        birth_date_groups=_date_groups(member.birth_date, translator.locale),
        insured_symbol=member.insured_symbol,
        insured_number=member.insured_number,
        insured_branch=member.insured_branch,
        insured_lines=insured_lines,
        acquired_date=_date(member.acquired_date, translator.locale)
        if member.acquired_date
        else None,
        acquired_date_parts=(
            _date_parts(member.acquired_date, translator.locale) if member.acquired_date else ()
        ),
        acquired_date_groups=(
            _date_groups(member.acquired_date, translator.locale) if member.acquired_date else ()
        ),
        copay=_("{ratio}割").format(ratio=member.copay_ratio) if member.copay_ratio else None,
        mynumber=(
            mynumber.mask(member.mynumber_last4, settings.notice.mask_pattern)
            if member.mynumber_last4 is not None
            else _("登録なし")
        ),
        mynumber_linked=linked,
        mynumber_last4=member.mynumber_last4,
        position_label=_("{number}人目").format(number=position),
        name_fit=cellfit.fit(cells.name, member.name),
        kana_fit=cellfit.fit(cells.kana, member.kana) if member.kana else None,
        name_lang="ja" if _JAPANESE_SCRIPT.search(member.name) else None,
    )


# Kana and Han characters: a name written in them is read as Japanese.
_JAPANESE_SCRIPT = re.compile(
    r"[\u3040-\u30ff\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff々]"
)


def _member_table(
    rows: tuple[MemberRow, ...], first: int, total: int, translator: Translator
) -> MemberTable:
    """The table of members `first`… of `total`; the caption says where a long list continues."""
    _ = translator.gettext
    last = first + len(rows) - 1
    if first == 1 and last == total:
        caption = _("登録されている加入者情報")
    elif last < total:
        caption = _(
            "登録されている加入者情報（{total}人のうち{first}〜{last}人目。続きは次のページにあります）"
        ).format(total=total, first=first, last=last)
    else:
        caption = _("登録されている加入者情報（{total}人のうち{first}〜{last}人目）").format(
            total=total, first=first, last=last
        )
    return MemberTable(
        caption=caption,
        first_number=first,
        heading_name=_("氏名（フリガナ）"),
        heading_birth_date=_("生年月日"),
        heading_insured=_("被保険者証の記号・番号・枝番"),
        heading_acquired=_("資格取得日"),
        heading_copay=_("負担割合"),
        heading_mynumber=_("マイナンバー（下4桁）"),
        rows=rows,
    )


def _configured(settings: Settings, key: str, locale: str) -> str:
    """A configuration value a reader sees (settings.READER_KEYS), in the reader's language.

    Without a translation the Japanese value is printed (the templates tag it lang="ja" where it
    stands alone) and one warning per locale and key is logged: `noticegen catalog check` reports
    the gap, so a release never has one.
    """
    text = settings.in_language(key, locale)
    if text is not None:
        return text
    _warn_untranslated(locale, key)
    return settings.japanese(key)


@functools.cache  # once per process, like a broken catalog entry
def _warn_untranslated(locale: str, key: str) -> None:
    i18n.log.warning(
        "configuration: no %s translation of %s ([translations.%s] %s); the Japanese is shown",
        locale,
        key,
        locale,
        key,
    )


def _office(name: str, section: str, locale: str) -> str:
    """The office in one line: the municipality, then its section. Japanese, Chinese and Korean
    write them one after the other; the other languages list them with a comma, like an address."""
    joiner = " " if locales.get(locale).script in ("Jpan", "Hans", "Hant", "Kore") else ", "
    return f"{name}{joiner}{section}"


def _contact(settings: Settings, translator: Translator) -> Contact:
    _ = translator.gettext
    locale = translator.locale
    sender = settings.sender
    in_japanese = tuple(
        field
        for field, keys in (
            ("office", ("municipality.name", "sender.section")),
            ("hours", ("sender.hours",)),
            ("address", ("sender.address",)),
        )
        if any(settings.in_language(key, locale) is None for key in keys)
    )
    # A foreign reader matches the office's Japanese name on the counter's sign and writes its
    # Japanese address on an envelope: both stand beside their translation.
    beside = not locales.get(locale).is_japanese
    office_ja = _office(settings.municipality.name, sender.section, i18n.SOURCE_LOCALE)
    return Contact(
        heading=_("内容に誤りがあるとき・問い合わせ先"),
        office=(
            office_ja
            if "office" in in_japanese
            else _office(
                _configured(settings, "municipality.name", locale),
                _configured(settings, "sender.section", locale),
                locale,
            )
        ),
        phone_label=_("電話"),
        phone=sender.phone,
        hours_label=_("受付時間"),
        hours=_configured(settings, "sender.hours", locale),
        address_label=_("所在地"),
        postal_code=sender.postal_code,
        address=_configured(settings, "sender.address", locale),
        office_ja=office_ja if beside and "office" not in in_japanese else None,
        address_ja=sender.address if beside and "address" not in in_japanese else None,
        in_japanese=in_japanese,
    )


@functools.lru_cache(maxsize=16)
def _url_code(url: str) -> str:
    # The same for every notice of a run: encoded once.
    return voicecode.qr_image(url).data_uri


@functools.cache
def _language_names() -> tuple[LanguageName, ...]:
    """Page 1's line for readers of other languages: each named as its readers write it (a reader
    finds their own language by its look), in the font that draws its script."""
    return tuple(
        LanguageName(locale.bcp47, locale.native_name, fonts.name_family_for(locale.code))
        for locale in map(locales.get, locales.TRANSLATED)
    )


def _foreign_line(settings: Settings, translator: Translator) -> ForeignLine:
    _ = translator.gettext
    url = settings.web.site_url
    return ForeignLine(
        runs=_language_names(),
        url=url,
        url_text=url.removeprefix("https://").removeprefix("http://"),
        qr_data_uri=_url_code(url),
        qr_alt=_("外国語による説明のページ（{url}）へのQRコード").format(url=url),
    )


def _guide_sections(
    settings: Settings, translator: Translator
) -> list[tuple[str, tuple[Section, ...]]]:
    """Pages 2–3: the same for every household of a language."""
    _ = translator.gettext
    dates = settings.dates
    transition = _date(dates.transition, translator.locale)
    last_paper_day = _date(dates.transition - dt.timedelta(days=1), translator.locale)
    insurer = _configured(settings, "municipality.insurer", translator.locale)
    municipality = _configured(settings, "municipality.name", translator.locale)
    page_card = (
        _("マイナ保険証について"),
        (
            Section(
                _("マイナ保険証とは"),
                (
                    Paragraph(
                        _(
                            "マイナ保険証とは、健康保険証として使うための利用登録をした"
                            "マイナンバーカードのことです。"
                        )
                    ),
                    Paragraph(_("利用登録は、次のどれかでできます。")),
                    ItemList(
                        (
                            Item(_("マイナポータル（スマートフォンやパソコン）")),
                            Item(_("セブン銀行のATM")),
                            Item(
                                _(
                                    "病院や薬局の受付にある顔認証付きカードリーダー。"
                                    "はじめて行く病院や薬局でも、その場で登録できます。"
                                )
                            ),
                        )
                    ),
                ),
            ),
            Section(
                _("受付での使い方"),
                (
                    Paragraph(
                        _("病院や薬局の受付で、マイナ保険証を顔認証付きカードリーダーに置きます。")
                    ),
                    Paragraph(_("画面の案内にしたがって操作すると、受付ができます。")),
                ),
            ),
            Section(
                _("マイナ保険証を使うメリット"),
                (
                    ItemList(
                        (
                            Item(
                                _(
                                    "{last_day}までは、はじめて受診する病院や薬局で、マイナ保険証を"
                                    "使うと、紙の保険証よりも、受診の情報を確認するための医療費が"
                                    "20円少なくなりました。{change}からは、どちらを使っても同じです。"
                                ).format(
                                    last_day=_date(
                                        dates.first_visit_fee_change - dt.timedelta(days=1),
                                        translator.locale,
                                    ),
                                    change=_date(dates.first_visit_fee_change, translator.locale),
                                ),
                                title=_("はじめての受診の医療費"),
                                marker="1",
                            ),
                            Item(
                                _(
                                    "データの提供に同意すると、医師や薬剤師が、過去に処方された薬や"
                                    "特定健診の結果を見て診療できます。薬が重なって処方されることを"
                                    "防ぐなど、あなたに合った医療につながります。"
                                ),
                                title=_("よりよい医療を受けられます"),
                                marker="2",
                            ),
                            Item(
                                _(
                                    "受付のカードリーダーで情報の提供に同意すると、窓口での支払いが、"
                                    "その方の自己負担限度額までになります。限度額適用認定証は"
                                    "いりません。"
                                ),
                                title=_("高額な医療費の手続きがいりません"),
                                marker="3",
                            ),
                        )
                    ),
                    Paragraph(_("また、医療の現場で働く人の事務の負担が軽くなります。")),
                ),
            ),
        ),
    )
    page_visit = (
        _("{date}からの受診のしかた").format(date=transition),
        (
            Section(
                _("紙の保険証は新しく発行されなくなります"),
                (
                    Paragraph(
                        _("{date}から、紙の保険証は新しく発行されなくなります。").format(
                            date=transition
                        ),
                        strong=True,
                    ),
                    Paragraph(_("次のどれかを使って、これまでどおり医療を受けられます。")),
                ),
            ),
            Section(
                _("受診に使えるもの"),
                (
                    ItemList(
                        (
                            Item(
                                _("利用登録をしたマイナンバーカードです。"),
                                title=_("マイナ保険証"),
                                marker="①",
                            ),
                            Item(
                                _(
                                    "{last_day}の時点で有効な保険証は、有効期限まで使えます。"
                                    "{insurer}では、最長で{limit}まで使えます。"
                                ).format(
                                    last_day=last_paper_day,
                                    insurer=insurer,
                                    limit=_date(dates.paper_card_limit, translator.locale),
                                ),
                                title=_("今お持ちの紙の保険証"),
                                marker="②",
                                details=(
                                    _(
                                        "ただし、住所など保険証に書かれている内容が変わったときは、"
                                        "使えなくなります。"
                                    ),
                                ),
                            ),
                            Item(
                                _(
                                    "マイナ保険証の利用登録をしていない方のうち、次の方には、"
                                    "申請しなくても資格確認書をお送りします。"
                                ),
                                title=_("資格確認書"),
                                marker="③",
                                details=(
                                    _("新しく{insurer}に加入した方").format(insurer=insurer),
                                    _("資格の情報が変わった方"),
                                    _("紙の保険証が使えなくなった方（有効期限が切れた方を含む）"),
                                ),
                            ),
                        )
                    ),
                    Paragraph(
                        _(
                            "マイナ保険証の利用登録をしている方でも、マイナンバーカードをなくした方や、"
                            "介助する人の付き添いが必要な方など、マイナ保険証での受診が難しい方は、"
                            "申請すると資格確認書を受け取れます。申請を受け付ける時期は、決まりしだい"
                            "{municipality}のホームページなどでお知らせします。"
                        ).format(municipality=municipality)
                    ),
                ),
            ),
            Section(
                _("「資格情報のお知らせ」について"),
                (
                    Paragraph(
                        _(
                            "{date}までに予定している保険証などの更新のとき、マイナ保険証の"
                            "利用登録をしている方には、「資格情報のお知らせ」（加入している"
                            "保険の情報を書いた書面）をお送りする予定です。"
                        ).format(date=_date(dates.paper_card_limit, translator.locale))
                    ),
                ),
            ),
            Section(
                _("マイナ保険証の利用登録の解除"),
                (
                    Paragraph(
                        _(
                            "利用登録の解除を希望するときは、加入している保険者（{insurer}）に"
                            "申請すると解除できます。申請を受け付ける時期は、決まりしだい"
                            "{municipality}のホームページなどでお知らせします。"
                        ).format(insurer=insurer, municipality=municipality)
                    ),
                ),
            ),
        ),
    )
    return [page_card, page_visit]


def has_member_aged_70_to_74(household: Household, reference: dt.date) -> bool:
    """Whether a member is 70–74 on the reference date (the age of the 高齢受給者証)."""
    return any(rules.is_70_to_74(member.birth_date, reference) for member in household.members)


# Khmer writes no space between words, and the renderer finds no line break inside a run of it
# (it has no Khmer dictionary): page 1's label 「保険者名」, one such run, is wider than its large-print
# column and ran over its value. A syllable begins at a consonant or independent vowel not
# stacked under the one before (after the coeng sign, U+17D2); a zero-width space there lets the
# line break between syllables.
_KHMER_SYLLABLE_START = re.compile("(?<=[\u1780-\u17dd])(?<!\u17d2)(?=[\u1780-\u17b3])")
ZERO_WIDTH_SPACE = "\u200b"


def _breakable_label(label: str, locale: str) -> str:
    """A label with places its lines may break at, in a script that writes no spaces between
    words and whose breaks the renderer does not find (Khmer); other labels as they are."""
    if locales.get(locale).script != "Khmr":
        return label
    return _KHMER_SYLLABLE_START.sub(ZERO_WIDTH_SPACE, label)


def _fields(
    household: Household,
    settings: Settings,
    translator: Translator,
    cells: cellfit.HouseholdCells,
) -> tuple[Field, ...]:
    _ = translator.gettext
    locale = translator.locale
    municipality = settings.municipality
    insurer = _configured(settings, "municipality.insurer", locale)
    insurer_translated = settings.in_language("municipality.insurer", locale) is not None
    return (
        Field(
            _breakable_label(_("保険者名"), locale),
            insurer,
            False,
            speakable_field(_("保険者名は、{value}です。"), insurer, locale),
            # The card a foreign reader holds names the insurer in Japanese.
            value_ja=(
                municipality.insurer
                if insurer_translated and not locales.get(locale).is_japanese
                else None
            ),
            value_lang=None if insurer_translated else "ja",
        ),
        Field(
            _breakable_label(_("保険者番号"), locale),
            municipality.insurer_number,
            False,
            speakable_field(
                _("保険者番号は、{value}です。"),
                voice.spell_digits_for(locale, municipality.insurer_number),
                locale,
            ),
        ),
        Field(
            _breakable_label(_("世帯主"), locale),
            household.head_name,
            True,
            speakable_field(
                _("世帯主は、{value}様です。"),
                voice.name_for(
                    locale,
                    household.head_name,
                    next(
                        (
                            member.kana
                            for member in household.members
                            if member.name == household.head_name and member.kana
                        ),
                        None,
                    ),
                ),
                locale,
            ),
            value_lang="ja" if _JAPANESE_SCRIPT.search(household.head_name) else None,
            fitted=cellfit.fit(cells.head_name, household.head_name),
        ),
        Field(
            _breakable_label(_("世帯番号"), locale),
            household.household_id,
            True,
            speakable_field(
                _("世帯番号は、{value}です。"),
                voice.spell_digits_for(locale, household.household_id),
                locale,
            ),
            fitted=cellfit.fit(cells.household_id, household.household_id),
        ),
    )


def speakable_field(template: str, value: str, locale: str) -> str:
    return voice.speakable(template.format(value=value), locale)


def _check_sections(
    household: Household, settings: Settings, translator: Translator, with_form: bool
) -> tuple[Section, ...]:
    """The check and the reply: how to compare the digits, when and how to tell the office, and
    for households with a member aged 70–74 on the reference date, the 高齢受給者証 reminder."""
    _ = translator.gettext
    contact = _contact(settings, translator)
    sections = [
        Section(
            _("内容の確かめかた"),
            (
                Paragraph(
                    _(
                        "マイナンバーカードか通知カードを用意して、加入者ごとに、1ページ目の"
                        "マイナンバーの下4桁が、その方ご自身のマイナンバーの下4桁と同じか"
                        "確かめてください。"
                    )
                ),
                Paragraph(
                    _(
                        "氏名や生年月日などのほかの内容も確かめてください。"
                        "すべて正しいときは、連絡はいりません。"
                    )
                ),
            ),
        ),
        Section(
            _("次のときは、ご連絡ください"),
            (
                ItemList(
                    (
                        Item(
                            _(
                                "ほかの方の番号がひも付けられているおそれがあります。"
                                "マイナ保険証を使う前に、ご連絡ください。"
                            ),
                            title=_("マイナンバーの下4桁が違うとき"),
                        ),
                        Item(
                            _("マイナ保険証を使うには、登録が必要です。"),
                            title=_("「登録なし」と書かれているとき"),
                        ),
                        Item(
                            _("氏名、生年月日、記号・番号・枝番、負担割合など"),
                            title=_("そのほかの内容に誤りがあるとき"),
                        ),
                    )
                ),
            ),
        ),
        Section(
            _("連絡のしかた"),
            (
                *(
                    (Paragraph(f"{contact.office}　{contact.phone_label} {contact.phone}"),)
                    if contact.office_ja is None
                    else (
                        # The office's name with its Japanese beside it, on a line of its own.
                        Paragraph(contact.office, japanese=contact.office_ja),
                        Paragraph(f"{contact.phone_label} {contact.phone}"),
                    )
                ),
                Paragraph(f"{contact.hours_label} {contact.hours}"),
                Paragraph(
                    f"{contact.address_label} {contact.postal_code} {contact.address}",
                    japanese=contact.address_ja,
                ),
                Paragraph(
                    _(
                        "電話か窓口でご連絡いただくか、同封の届出書に書いて、郵送するか"
                        "窓口にお持ちください。"
                    )
                    if with_form
                    else _("電話か窓口でご連絡ください。")
                ),
                Paragraph(
                    _(
                        "お電話では、ご本人の確認のため、1ページ目の世帯番号と、"
                        "お問い合わせの方の氏名と生年月日をお聞きします。"
                    )
                ),
                Paragraph(
                    _(
                        "電話でマイナンバーの12桁をお聞きすることはありません。"
                        "届出書にもマイナンバーは書かないでください。"
                    )
                    if with_form
                    else _("電話でマイナンバーの12桁をお聞きすることはありません。"),
                    strong=True,
                ),
            ),
            role="contact",
        ),
    ]
    if has_member_aged_70_to_74(household, settings.dates.reference):
        sections.append(
            Section(
                _("70歳から74歳の方へ"),
                (
                    Paragraph(
                        _(
                            "病院や薬局では、マイナ保険証か資格確認書といっしょに、"
                            "高齢受給者証もこれまでどおり見せてください。"
                        )
                    ),
                ),
            )
        )
    return tuple(sections)


@functools.lru_cache(maxsize=4096)
def _household_code(household_id: str) -> str:
    """A DataMatrix holding the household id alone: not a QR code, so that no phone takes it
    for a voice code."""
    return voicecode.png_data_uri(voicecode.datamatrix_png(household_id))


def _reply_form(household: Household, settings: Settings, translator: Translator) -> ReplyForm:
    """The 届出書, in Japanese; a translated part adds its language after each label."""
    japanese = i18n.translator()

    def both(message: str) -> FormLabel:
        source = japanese.gettext(message)
        if translator.locale == japanese.locale:
            return FormLabel(source)
        translated = translator.gettext(message)
        return FormLabel(source, None if translated == source else translated)

    def spoken(message: str) -> str:
        return translator.gettext(message)

    contact = _contact(settings, japanese)  # the form is Japanese: its return address too
    # The form page's voice code speaks the reader's language, the office's name and address too.
    spoken_contact = _contact(settings, translator)
    title = N_("国民健康保険 加入者情報の届出書")
    instructions = (
        N_("このお知らせの内容に誤りがあるときに使います。"),
        N_("誤っている項目の四角に印をつけ、正しい内容を書いてください。"),
        N_("記入したら、提出先に郵送するか、窓口にお持ちください。"),
    )
    warning = N_("マイナンバーの12桁は、書かないでください。")
    return ReplyForm(
        title=both(title),
        instructions=tuple(both(text) for text in instructions),
        warning=both(warning),
        household_label=both(N_("世帯番号")),
        household_id=household.household_id,
        household_id_lines=cellfit.fit(
            cellfit.household_cells(translator.locale, False, form=True).household_id,
            household.household_id,
        ).lines,
        code_uri=_household_code(household.household_id),
        code_label=both(N_("受付処理用コード（世帯番号）")),
        code_alt=str(
            both(N_("世帯番号だけを記録した受付処理用のコード（音声コードではありません）"))
        ),
        heading_name=both(N_("氏名（フリガナ）")),
        heading_birth_date=both(N_("生年月日")),
        heading_insured=both(N_("被保険者証の記号・番号・枝番")),
        heading_mynumber=both(N_("マイナンバー（下4桁）")),
        heading_wrong=both(N_("誤っている項目")),
        heading_correct=both(N_("正しい内容")),
        boxes=tuple(
            both(text)
            for text in (
                N_("氏名"),
                N_("生年月日"),
                N_("記号・番号・枝番"),
                N_("マイナンバーの下4桁"),
                N_("その他"),
            )
        ),
        reporter_heading=both(N_("届出をする方")),
        reporter_fields=tuple(
            both(text) for text in (N_("氏名"), N_("日中の連絡先（電話番号）"), N_("記入日"))
        ),
        return_heading=both(N_("提出先")),
        return_lines=(contact.office, f"{contact.postal_code} {contact.address}"),
        spoken=tuple(
            voice.speakable(text, translator.locale)
            for text in (
                spoken(N_("この用紙は、{title}です。")).format(title=spoken(title)),
                *(spoken(text) for text in instructions),
                spoken(warning),
                spoken(N_("提出先は、{office}、郵便番号{postal}、{address}です。")).format(
                    office=spoken_contact.office,
                    postal=voice.spell_digits_for(
                        translator.locale, contact.postal_code.replace("-", "")
                    ),
                    address=spoken_contact.address,
                ),
                spoken(N_("世帯番号は、{value}です。")).format(
                    value=voice.spell_digits_for(translator.locale, household.household_id)
                ),
                spoken(N_("印刷されている加入者は、次のとおりです。")),
            )
        ),
    )
