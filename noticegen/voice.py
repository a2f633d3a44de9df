"""The text a speech engine reads for each page: what the page's voice code carries.

Built from the same NoticeView as the page, so the two never disagree. The writing follows the
rules for voice codes (spec/voice-code.md): the page number first, sentences in reading order, one
sentence group per member, digits that are not quantities spelled one by one, phone numbers with
hyphens, dates in full, no decorative symbols or bracketed asides, a web address read as words.

Each page's text is made of passages (voicecode.Passage): the sentences a code keeps together (a
member's data), and on page 1 the essentials its first code holds: what the notice is, how many
pages it has, who is in it with their four digits, what to do and the phone number.

Every language's reader hears only what its voice can read. Japanese and やさしい日本語 read names
by their フリガナ and dates in 和暦. The others hear a name as registered when it is written in
their script (Latin, Hangul, Han for Chinese), else its reading romanised (noticegen.romaji); the
Japanese glosses a translation prints in brackets (マイナ保険証) and the 和暦 beside each date are
left out of their speech.
"""

from __future__ import annotations

import dataclasses
import re
import unicodedata
from typing import TYPE_CHECKING

from noticegen import caches, i18n, locales, romaji
from noticegen.i18n import Translator
from noticegen.voicecode import Passage, joined, split_sentences

if TYPE_CHECKING:
    from collections.abc import Iterable

    from noticegen.view import ItemList, MemberRow, NoticeView, Page, Paragraph

_DIGIT_RUN = re.compile(r"[0-9０-９]+")
# Symbols a speech engine reads badly or aloud, and what to say instead.
_SPOKEN = str.maketrans(
    {
        "（": "、",
        "(": "、",
        "）": "、",
        ")": "、",
        "・": "、",
        "「": "",
        "」": "",
        "『": "",
        "』": "",
        "＊": "",
        "*": "",
        "\u3000": " ",
    }
)
_SPOKEN_SPACED = str.maketrans(
    {
        "（": ", ",
        "(": ", ",
        "）": ", ",
        ")": ", ",
        "「": "",
        "」": "",
        "＊": "",
        "*": "",
        "・": ", ",
        "\u3000": " ",
    }
)
# Sentence ends in the notice's scripts: a text that lacks one gets its locale's full stop.
_SENTENCE_ENDS = ("。", "？", "！", ".", "?", "!", "။", "।", "॥", "។")
_ERAS = "明治|大正|昭和|平成|令和"


def _locale(code: str) -> locales.Locale:
    return locales.get(code)


def _unspaced(locale: str) -> bool:
    return _locale(locale).sentence_gap == ""


def spell_digits_for(locale: str, text: str) -> str:
    return spell_digits(text, digit_separator(locale))


def spell_digits(text: str, separator: str = "、") -> str:
    """Digits that are not quantities, one by one, so an engine reads 4、8、2、1 and not 四千八百….

    >>> spell_digits("4821")
    '4、8、2、1'
    >>> spell_digits("板12")
    '板、1、2'
    """
    spelled = _DIGIT_RUN.sub(lambda match: separator + separator.join(match.group()), text)
    return spelled.removeprefix(separator)


def digit_separator(locale: str) -> str:
    return _locale(locale).list_separator


def spoken_name(name: str) -> str:
    """A name or reading without the symbols an engine reads aloud (スミス・ジョン → スミス ジョン).

    >>> spoken_name("スミス・ジョン")
    'スミス ジョン'
    """
    return re.sub(r"\s+", " ", name.translate(_NAME_SEPARATORS)).strip()


_NAME_SEPARATORS = str.maketrans({"・": " ", "＝": " ", "=": " ", "\u3000": " "})
# The Unicode character names' first word for each script a name may be written in.
_SCRIPT_NAMES = {
    "Latn": ("LATIN",),
    "Hans": ("CJK", "IDEOGRAPHIC ITERATION"),
    "Hant": ("CJK", "IDEOGRAPHIC ITERATION"),
    "Kore": ("HANGUL",),
    "Cyrl": ("CYRILLIC",),
    "Thai": ("THAI",),
    "Deva": ("DEVANAGARI",),
    "Mymr": ("MYANMAR",),
    "Khmr": ("KHMER",),
}


def _written_in(name: str, script: str) -> bool:
    """Whether every letter of `name` is of `script` (spaces and name separators aside)."""
    letters = [char for char in name if char.isalpha()]
    prefixes = _SCRIPT_NAMES.get(script, ())
    return bool(letters) and all(
        unicodedata.name(char, "").startswith(prefixes) for char in letters
    )


def name_for(locale: str, name: str, kana: str | None) -> str:
    """A member's name as a voice of `locale` says it.

    Japanese readers hear the reading (speech engines misread names). Others hear the name as
    registered when it is in their script (or in Latin letters, which every voice reads and which
    is the member's own spelling), else the reading romanised; a name registered without a reading
    stays as written, the one case a foreign voice meets Japanese here.

    >>> name_for("ja", "仮名 太郎", "カメイ タロウ"), name_for("th", "仮名 太郎", "カメイ タロウ")
    ('カメイ タロウ', 'Kamei Tarō')
    >>> name_for("zh-Hans", "仮名 太郎", "カメイ タロウ"), name_for("ko", "김 민준", "キム ミンジュン")
    ('仮名 太郎', '김 민준')
    >>> name_for("ne", "SMITH JOHN", "スミス・ジョン"), name_for("ko", "仮名 太郎", "カメイ タロウ")
    ('Smith John', 'Kamei Tarō')
    """
    entry = _locale(locale)
    if entry.is_japanese:
        return spoken_name(kana or name)
    if _written_in(name, "Latn"):
        # Registers write Latin names in capitals, which a voice may spell letter by letter.
        return _letters(name.title() if name.isupper() else name)
    if _written_in(name, entry.script):
        return _letters(name)
    if kana:
        return romaji.romanize(kana)
    return spoken_name(name)


def _letters(name: str) -> str:
    """A registered name without the symbols a voice would read aloud (「<」, 「&」, quotes), its
    hyphens and apostrophes kept.

    >>> _letters('Sample <B>&"John"'), _letters("O'Brien-Smith")
    ('Sample B John', "O'Brien-Smith")
    """
    kept = "".join(
        char
        if char.isalnum() or unicodedata.category(char).startswith("M") or char in "-'."
        else " "
        for char in name
    )
    return spoken_name(kept)


_ASIDE = re.compile(r"\s*[（(]([^（）()]*)[）)]")


def _without_japanese_asides(text: str, locale: str) -> str:
    """A translation without the Japanese it prints in brackets for the reader to recognise on
    Japanese papers (マイナ保険証, the 和暦 beside a date): its voice cannot read them.

    >>> _without_japanese_asides("card (マイナ保険証) ready; April 1, 1980 (昭和55年4月1日).", "en")
    'card ready; April 1, 1980.'
    >>> _without_japanese_asides("保险证（マイナ保険証），1980年4月1日 (昭和55年4月1日)", "zh-Hans")
    '保险证，1980年4月1日'
    """
    if _locale(locale).is_japanese:
        return text
    japanese = i18n.japanese_pattern(locale)

    def aside(match: re.Match[str]) -> str:
        inside = match.group(1)
        if japanese.search(inside) or re.search(f"(?:{_ERAS})", inside):
            return ""
        return match.group(0)

    return _ASIDE.sub(aside, text)


def speakable(text: str, locale: str = "ja") -> str:
    """Text without the symbols and brackets a speech engine stumbles on, ending in a full stop.

    >>> speakable("平日 8時30分～17時（土日・祝日を除く）")
    '平日 8時30分から17時、土日、祝日を除く。'
    >>> speakable("Weekdays (except holidays)", "en")
    'Weekdays, except holidays.'
    >>> speakable("วันธรรมดา (ยกเว้นวันหยุด)", "th")
    'วันธรรมดา, ยกเว้นวันหยุด'
    """
    text = _without_japanese_asides(without_readings(text), locale)
    entry = _locale(locale)
    if entry.sentence_gap:
        spoken = text.translate(_SPOKEN_SPACED)
        spoken = spoken.replace("～", entry.spoken_range).replace("〜", entry.spoken_range)
        spoken = re.sub(r"\s*,\s*(?=[,.!?។။।])", "", spoken)
        spoken = re.sub(r"\s*,(\s*,)+", ",", spoken)
        spoken = re.sub(r"\s+", " ", spoken).strip(" ,")
        spoken = spoken.replace(" ,", ",")
        if spoken and not spoken.endswith(_SENTENCE_ENDS):
            spoken += entry.full_stop
        return spoken
    spoken = (
        text.translate(_SPOKEN).replace("～", entry.spoken_range).replace("〜", entry.spoken_range)
    )
    spoken = re.sub(r"、\s*(?=[、。，])", "", spoken)
    spoken = re.sub(r"\s+", " ", spoken).strip(" 、")
    spoken = spoken.replace(" 、", "、").replace("、 ", "、")
    if spoken and not spoken.endswith(_SENTENCE_ENDS):
        spoken += entry.full_stop
    return spoken


def spoken_url(url: str, locale: str) -> str:
    """A web address as words: its dots and slashes said, the scheme and a final slash dropped.

    >>> spoken_url("https://www.city.itabashi.tokyo.jp/", "en")
    'www dot city dot itabashi dot tokyo dot jp'
    >>> spoken_url("www.city.itabashi.tokyo.jp/kokuho/", "ja")
    'www ドット city ドット itabashi ドット tokyo ドット jp スラッシュ kokuho'
    """
    entry = _locale(locale)
    address = re.sub(r"^[a-z]+://", "", url).rstrip("/")
    words = address.replace(".", f" {entry.url_dot} ").replace("/", f" {entry.url_slash} ")
    return re.sub(r"\s+", " ", words).strip()


def without_readings(text: str) -> str:
    """Easy Japanese's ｜漢字《かんじ》 as the reading alone, which a speech engine reads right.

    >>> without_readings("｜保険証《ほけんしょう》を ｜見《み》せます")
    'ほけんしょうを みせます'
    """
    return i18n.RUBY.sub(r"\2", text)


def _spoken_sentences(text: str, locale: str) -> list[str]:
    """A printed paragraph as the sentences a voice reads (cut where codes may be split)."""
    return split_sentences(speakable(text, locale))


# ---------------------------------------------------------------------------------------------
# Pages


def page_passages(notice: NoticeView, translator: Translator) -> tuple[tuple[Passage, ...], ...]:
    """Each page's voice text as passages, after its opening 「1ページ目。」, in page order."""
    return tuple(_page_passages(notice, page, translator) for page in notice.pages)


def _stripped(passages: Iterable[Passage]) -> tuple[Passage, ...]:
    """The passages without the spaces a translation may end a sentence with (the gap comes
    between), and without those left empty."""
    kept = []
    for passage in passages:
        sentences = tuple(filter(None, map(str.strip, passage.sentences)))
        if not sentences:
            continue
        kept.append(
            passage
            if sentences == passage.sentences
            else dataclasses.replace(passage, sentences=sentences)
        )
    return tuple(kept)


def page_text(page: Page, passages: tuple[Passage, ...], translator: Translator) -> str:
    """A page's voice text: its opening, then its passages, a sentence gap apart."""
    _ = translator.gettext
    opening = _("{page}ページ目。").format(page=page.number)
    sentences = (sentence for passage in passages for sentence in passage.sentences)
    return without_readings(joined((opening, *sentences), _locale(translator.locale).sentence_gap))


def page_texts(notice: NoticeView, translator: Translator) -> tuple[str, ...]:
    """The voice text of every page of the notice, in page order."""
    return tuple(
        page_text(page, passages, translator)
        for page, passages in zip(notice.pages, page_passages(notice, translator), strict=True)
    )


def _one(*sentences: str) -> Passage:
    return Passage(tuple(sentence for sentence in sentences if sentence))


def _each(sentences) -> list[Passage]:
    return [Passage((sentence,)) for sentence in sentences if sentence]


# A guide, check or blank page's passages: the same for every household whose page has the same
# heading, sections and note, in the same language (with the same authority note, which a
# translated part prints on every page).
_SHARED_PASSAGES = caches.Bounded(1024)


def _page_passages(notice: NoticeView, page: Page, translator: Translator) -> tuple[Passage, ...]:
    if page.kind in ("personal", "members", "form"):
        return _stripped(_passages(notice, page, translator))
    key = (page.kind, page.heading, page.sections, page.note, notice.authority_note, translator)
    passages = _SHARED_PASSAGES.get(key)
    if passages is None:
        passages = _stripped(_passages(notice, page, translator))
        _SHARED_PASSAGES.put(key, passages)
    return passages


def _passages(notice: NoticeView, page: Page, translator: Translator) -> tuple[Passage, ...]:
    locale = translator.locale
    if page.kind == "personal":
        return tuple(_personal(notice, page, translator))
    passages = []
    if notice.authority_note:
        passages += _each(_spoken_sentences(notice.authority_note, locale))
    if page.kind == "members":
        passages.append(_one(speakable(page.heading or "", locale)))
        passages += _members(page, translator)
        if page.shows_notes:
            passages += _closing(notice, translator, page.shows_contact)
    elif page.kind == "form":
        passages += _form(notice, page, translator)
    elif page.kind in ("guide", "check"):
        passages.append(_one(speakable(page.heading or "", locale)))
        for section in page.sections:
            passages.append(_one(speakable(section.heading, locale)))
            for block in section.body:
                passages += _block(block, translator)
    else:
        passages.append(_one(speakable(page.note or "", locale)))
    return tuple(passage for passage in passages if passage.sentences)


def _rows(page: Page) -> list[tuple[int, MemberRow]]:
    """The members of a page's table, with their number in the household."""
    if page.members is None or page.kind not in ("personal", "members"):
        return []
    first = page.members.first_number
    return [(first + offset, row) for offset, row in enumerate(page.members.rows)]


def _all_rows(notice: NoticeView) -> list[tuple[int, MemberRow]]:
    """Every member of this part of the notice, with their number in the household."""
    return [row for page in notice.pages for row in _rows(page)]


def _personal(notice: NoticeView, page: Page, translator: Translator) -> list[Passage]:
    _ = translator.gettext
    locale = translator.locale
    address = notice.address
    contact = notice.contact
    # The first code (spec/voice-code.md): what this is, how many pages are printed, who is in
    # it with their four digits, what to do and whom to call. Each member's name and digits are
    # said there, as many as the code holds (small codes do not hold a large household's); each
    # member's data are read in full further on, in the order of the printed page.
    essentials = [
        Passage(
            (
                speakable(notice.title, locale),
                _("このお知らせは、全{total}ページです。").format(total=notice.pages_in_all),
            ),
            first_code="lead",
        ),
        *(
            Passage(
                (_member_name(number, row, translator), _member_digits(row, translator)),
                names_member=True,
                first_code="extra",
                member=number,
            )
            for number, row in _all_rows(notice)
        ),
        # What to do, and the number to call (the office's name, long in a translation, follows
        # with the contact block). Where the code is short of room, the number stays and what to
        # do follows it in the next code, as the title does.
        Passage((speakable(contact.heading, locale),), first_code="lead"),
        Passage((speakable(f"{contact.phone_label} {contact.phone}", locale),), first_code="must"),
    ]
    passages = list(essentials)
    if notice.authority_note:
        passages += _each(_spoken_sentences(notice.authority_note, locale))
    passages.append(
        _one(
            speakable(
                _("{sender}から、{date}に発行したお知らせです。").format(
                    sender=" ".join(notice.sender), date=notice.issue_date
                ),
                locale,
            )
        )
    )
    if notice.shows_address:
        passages.append(
            _one(
                speakable(
                    _("宛先は、郵便番号{postal}、{address}、{name}様。").format(
                        postal=spell_digits_for(locale, address.postal_code.replace("-", "")),
                        address="".join(address.address + address.address2),
                        name=spoken_name(notice.addressee_reading),
                    ),
                    locale,
                )
            )
        )
    # Who the notice is for: the head of household, and, for a head who is not a member, why they
    # get it; the insurer's fields follow the members.
    passages += _each(field.spoken for field in notice.fields if field.household_data)
    if notice.head_note and notice.head_note_on_page_one:
        passages += _each(_spoken_sentences(notice.head_note, locale))
    for paragraph in notice.intro:
        passages += _each(_spoken_sentences(paragraph.text, locale))
    if notice.shows_address:  # the page with the address prints the foreign-language line
        passages.append(
            _one(
                speakable(
                    _("このお知らせの外国語による説明は、ホームページ {url} にあります。").format(
                        url=spoken_url(notice.foreign_line.url_text, locale)
                    ),
                    locale,
                )
            )
        )
    if page.members is not None:  # a translated page 1 may start the members on page 2
        passages.append(_one(speakable(notice.reference_note, locale)))
        passages += _members(page, translator)
    passages += _each(field.spoken for field in notice.fields if not field.household_data)
    if page.shows_notes:
        passages += _closing(notice, translator, page.shows_contact)
    return [passage for passage in passages if passage.sentences]


def _form(notice: NoticeView, page: Page, translator: Translator) -> list[Passage]:
    """The reply form: what it is for, how to return it, and whose rows it holds."""
    form = notice.reply_form
    if form is None:
        return []
    passages = _each(form.spoken)
    for offset, row in enumerate(page.form_rows):
        passages.append(_one(_member_name(page.form_first_number + offset, row, translator)))
    return passages


def _contact_phone(notice: NoticeView, translator: Translator) -> str:
    contact = notice.contact
    _ = translator.gettext
    return speakable(
        _("{office}、電話、{phone}。").format(office=contact.office, phone=contact.phone),
        translator.locale,
    )


def _closing(notice: NoticeView, translator: Translator, with_contact: bool) -> list[Passage]:
    """The notes under the member table, and the contact block when the page prints it."""
    _ = translator.gettext
    locale = translator.locale
    contact = notice.contact
    passages = []
    if notice.head_note and not notice.head_note_on_page_one:
        passages += _each(_spoken_sentences(notice.head_note, locale))
    if notice.no_number_note:
        passages += _each(_spoken_sentences(notice.no_number_note, locale))
    passages += _each(_spoken_sentences(notice.not_a_card_note, locale))
    if notice.check_pointer:
        passages += _each(_spoken_sentences(notice.check_pointer, locale))
    if not with_contact:
        return passages
    # The heading goes with whom to call; the hours and the address may go in the next code.
    passages.append(_one(speakable(contact.heading, locale), _contact_phone(notice, translator)))
    passages += _each(
        (
            speakable(_("受付時間は、{hours}").format(hours=contact.hours), locale),
            speakable(
                _("所在地は、郵便番号{postal}、{address}").format(
                    postal=spell_digits_for(locale, contact.postal_code.replace("-", "")),
                    address=contact.address,
                ),
                locale,
            ),
        )
    )
    return passages


def _members(page: Page, translator: Translator) -> list[Passage]:
    table = page.members
    if table is None:
        return []
    passages = [_one(speakable(table.caption, translator.locale))]
    first = table.first_number
    for offset, row in enumerate(table.rows):
        number = first + offset
        passages.append(Passage(_member(number, row, translator), names_member=True, member=number))
    return passages


def _member_name(number: int, row: MemberRow, translator: Translator) -> str:
    _ = translator.gettext
    return _("{number}人目、{name}さん。").format(
        number=number, name=name_for(translator.locale, row.name, row.kana)
    )


def _member_digits(row: MemberRow, translator: Translator) -> str:
    _ = translator.gettext
    if row.mynumber_last4 is None:
        return _("マイナンバーは、登録されていません。")
    return _("マイナンバーの下4桁は、{digits}です。").format(
        digits=spell_digits_for(translator.locale, row.mynumber_last4)
    )


def _spoken_date(date: str, locale: str) -> str:
    """A printed date for speech: the locale's own date, without the 和暦 a foreign voice cannot
    read; Japanese dates as printed."""
    return _without_japanese_asides(date, locale).strip()


def _member(number: int, row: MemberRow, translator: Translator) -> tuple[str, ...]:
    """One member's sentences in the order of the printed row, starting with their name."""
    _ = translator.gettext
    locale = translator.locale
    insured = _("被保険者証の記号は、{symbol}、番号は、{number}").format(
        symbol=spell_digits_for(locale, row.insured_symbol),
        number=spell_digits_for(locale, row.insured_number),
    )
    if row.insured_branch:
        insured += _("、枝番は、{branch}").format(
            branch=spell_digits_for(locale, row.insured_branch)
        )
    sentences = [
        _member_name(number, row, translator),
        _("生年月日は、{date}。").format(date=_spoken_date(row.birth_date, locale)),
        insured + _locale(locale).full_stop,
    ]
    if row.acquired_date:
        sentences.append(
            _("資格取得日は、{date}。").format(date=_spoken_date(row.acquired_date, locale))
        )
    if row.copay:
        sentences.append(_("負担割合は、{copay}。").format(copay=row.copay))
    sentences.append(_member_digits(row, translator))
    # Through speakable for the dates' brackets (やさしい日本語 prints 2024年（れいわ 6年）…).
    return tuple(speakable(sentence, locale) for sentence in sentences)


def _block(block: Paragraph | ItemList, translator: Translator) -> list[Passage]:
    _ = translator.gettext
    locale = translator.locale
    if not hasattr(block, "items"):
        return _each(_spoken_sentences(block.text, locale))
    passages = []
    for item in block.items:
        lead = ""
        if item.marker:
            number = "".join(
                str(ord(char) - 0x245F) if "①" <= char <= "⑳" else char for char in item.marker
            )
            lead = _("{number}つ目、").format(number=number)
        text = _spoken_sentences(item.text, locale)
        gap = _locale(locale).sentence_gap
        if item.title:
            # The title is a sentence of its own, said with the item's first sentence.
            passages.append(_one(joined((lead, speakable(item.title, locale)), gap), *text[:1]))
        elif text:
            passages.append(_one(joined((lead, text[0]), gap)))
        passages += _each(text[1:])
        for detail in item.details:
            passages += _each(_spoken_sentences(detail, locale))
    return passages
