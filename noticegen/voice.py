"""The text a speech engine reads for each page: what the page's voice code carries.

Built from the same NoticeView as the page, so the two never disagree. The writing follows the
rules for voice codes (spec/voice-code.md): the page number first, sentences in reading order, one
sentence per member, the reading (フリガナ) for names, digits that are not quantities spelled one
by one, phone numbers with hyphens, dates in full 和暦, no decorative symbols or bracketed asides.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from noticegen.i18n import RUBY, Translator

if TYPE_CHECKING:
    from noticegen.view import ItemList, MemberRow, NoticeView, Page, Paragraph

_DIGIT_RUN = re.compile(r"[0-9０-９]+")
# Symbols a speech engine reads badly or aloud, and what to say instead.
_SPOKEN = str.maketrans(
    {
        "～": "から",
        "〜": "から",
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


def spoken_name(name: str) -> str:
    """A name or reading without the symbols an engine reads aloud (スミス・ジョン → スミス ジョン).

    >>> spoken_name("スミス・ジョン")
    'スミス ジョン'
    """
    return re.sub(r"\s+", " ", name.translate(_NAME_SEPARATORS)).strip()


_NAME_SEPARATORS = str.maketrans({"・": " ", "＝": " ", "=": " ", "\u3000": " "})


# Sentence ends in the notice's scripts: a text that lacks one gets its locale's full stop.
_SENTENCE_ENDS = ("。", "？", "！", ".", "?", "!", "။", "।", "॥", "។")
# Scripts written without spaces between sentences.
_UNSPACED_LOCALES = ("ja", "ja-x-easy", "zh-Hans", "zh-Hant")
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
    }
)


def speakable(text: str, locale: str = "ja") -> str:
    """Text without the symbols and brackets a speech engine stumbles on, ending in a full stop.

    >>> speakable("平日 8時30分～17時（土日・祝日を除く）")
    '平日 8時30分から17時、土日、祝日を除く。'
    >>> speakable("Weekdays (except holidays)", "en")
    'Weekdays, except holidays.'
    """
    text = without_readings(text)
    if locale not in _UNSPACED_LOCALES:
        spoken = text.translate(_SPOKEN_SPACED).replace("～", "–")
        spoken = re.sub(r"\s*,\s*(?=[,.!?។။।])", "", spoken)
        spoken = re.sub(r"\s*,(\s*,)+", ",", spoken)
        spoken = re.sub(r"\s+", " ", spoken).strip(" ,")
        spoken = spoken.replace(" ,", ",")
        if spoken and not spoken.endswith(_SENTENCE_ENDS):
            spoken += _FULL_STOP.get(locale, ".")
        return spoken
    spoken = text.translate(_SPOKEN)
    spoken = re.sub(r"、\s*(?=[、。])", "", spoken)
    spoken = re.sub(r"\s+", " ", spoken).strip(" 、")
    spoken = spoken.replace(" 、", "、").replace("、 ", "、")
    if spoken and not spoken.endswith(_SENTENCE_ENDS):
        spoken += "。"
    return spoken


# The full stop a sentence gets when it has none; Thai marks a sentence's end with a space only.
_FULL_STOP = {"km": "។", "my": "။", "ne": "।", "th": ""}


def without_readings(text: str) -> str:
    """Easy Japanese's ｜漢字《かんじ》 as the reading alone, which a speech engine reads right.

    >>> without_readings("｜保険証《ほけんしょう》を ｜見《み》せます")
    'ほけんしょうを みせます'
    """
    return RUBY.sub(r"\2", text)


def digit_separator(locale: str) -> str:
    return "、" if locale in _UNSPACED_LOCALES else ", "


def _joined(sentences: list[str], locale: str) -> str:
    """Sentences as one text: run together in Japanese and Chinese, a space apart elsewhere
    (Thai marks a sentence's end with that space alone)."""
    if locale in _UNSPACED_LOCALES:
        return "".join(sentence for sentence in sentences if sentence)
    text = " ".join(sentence.strip() for sentence in sentences if sentence.strip())
    text = re.sub(r"\s+([,.;:!?។။।])", r"\1", text)
    return re.sub(r"\s{2,}", " ", text).strip()


def _spoken_date(date: str, locale: str) -> str:
    """A printed date for speech: 「October 25, 2024 (令和6年10月25日)」 without its brackets."""
    if locale in _UNSPACED_LOCALES:
        return date
    return date.replace(" (", ", ").replace("(", "").replace(")", "")


def page_texts(notice: NoticeView, translator: Translator) -> tuple[str, ...]:
    """The voice text of every page of the notice, in page order."""
    return tuple(_page_text(notice, page, translator) for page in notice.pages)


def _page_text(notice: NoticeView, page: Page, translator: Translator) -> str:
    _ = translator.gettext
    sentences = [_("{page}ページ目。").format(page=page.number)]
    if notice.authority_note:
        sentences.append(speakable(notice.authority_note, translator.locale))
    if page.kind == "personal":
        sentences += _personal(notice, page, translator)
    elif page.kind == "members":
        sentences.append(speakable(page.heading or "", translator.locale))
        sentences += _members(page, translator)
        if page.shows_contact:
            sentences += _closing(notice, translator)
    elif page.kind == "form":
        sentences += _form(notice, page, translator)
    elif page.kind in ("guide", "check"):
        sentences.append(speakable(page.heading or "", translator.locale))
        for section in page.sections:
            sentences.append(speakable(section.heading, translator.locale))
            for block in section.body:
                sentences += _block(block, translator)
    else:
        sentences.append(speakable(page.note or "", translator.locale))
    return without_readings(_joined(sentences, translator.locale))


def _personal(notice: NoticeView, page: Page, translator: Translator) -> list[str]:
    _ = translator.gettext
    address = notice.address
    sentences = [
        _("このお知らせは、全{total}ページです。").format(total=notice.page_count),
        speakable(
            _("{sender}から、{date}に発行したお知らせです。").format(
                sender=" ".join(notice.sender), date=notice.issue_date
            ),
            translator.locale,
        ),
        *(
            [
                speakable(
                    _("宛先は、郵便番号{postal}、{address}、{name}様。").format(
                        postal=spell_digits_for(
                            translator.locale, address.postal_code.replace("-", "")
                        ),
                        address="".join(address.address + address.address2),
                        name=spoken_name(notice.addressee_reading),
                    ),
                    translator.locale,
                )
            ]
            if notice.shows_address
            else []
        ),
        speakable(notice.title, translator.locale),
        # Who the notice is for comes first: the head of household, and, for a head who is not a
        # member, why they get it; the insurer's fields follow the members.
        *(field.spoken for field in notice.fields if field.household_data),
        *(
            [speakable(notice.head_note, translator.locale)]
            if notice.head_note and notice.head_note_on_page_one
            else []
        ),
        *(speakable(paragraph.text, translator.locale) for paragraph in notice.intro),
        speakable(
            _("このお知らせの外国語による説明は、ホームページ {url} にあります。").format(
                url=notice.foreign_line.url_text
            ),
            translator.locale,
        ),
    ]
    sentences.append(speakable(notice.reference_note, translator.locale))
    sentences += _members(page, translator)
    sentences += [field.spoken for field in notice.fields if not field.household_data]
    if page.shows_contact:
        sentences += _closing(notice, translator)
    return sentences


def _form(notice: NoticeView, page: Page, translator: Translator) -> list[str]:
    """The reply form: what it is for, how to return it, and whose rows it holds."""
    _ = translator.gettext
    form = notice.reply_form
    if form is None:
        return []
    sentences = list(form.spoken)
    for offset, row in enumerate(page.form_rows):
        sentences.append(
            _("{number}人目、{name}さん。").format(
                number=page.form_first_number + offset, name=spoken_name(row.kana or row.name)
            )
        )
    return sentences


def _closing(notice: NoticeView, translator: Translator) -> list[str]:
    """The notes under the member table and the contact block."""
    _ = translator.gettext
    contact = notice.contact
    sentences = []
    if notice.head_note and not notice.head_note_on_page_one:
        sentences.append(speakable(notice.head_note, translator.locale))
    if notice.no_number_note:
        sentences.append(speakable(notice.no_number_note, translator.locale))
    sentences.append(speakable(notice.not_a_card_note, translator.locale))
    if notice.check_pointer:
        sentences.append(speakable(notice.check_pointer, translator.locale))
    sentences += [
        speakable(contact.heading, translator.locale),
        speakable(
            _("{office}、電話、{phone}。").format(office=contact.office, phone=contact.phone),
            translator.locale,
        ),
        speakable(_("受付時間は、{hours}").format(hours=contact.hours), translator.locale),
        speakable(
            _("所在地は、郵便番号{postal}、{address}").format(
                postal=spell_digits_for(translator.locale, contact.postal_code.replace("-", "")),
                address=contact.address,
            ),
            translator.locale,
        ),
    ]
    return sentences


def _members(page: Page, translator: Translator) -> list[str]:
    _ = translator.gettext
    table = page.members
    if table is None:
        return []
    sentences = [speakable(table.caption, translator.locale)]
    first = table.first_number
    for offset, row in enumerate(table.rows):
        sentences.append(_member(first + offset, row, translator))
    return sentences


def _member(number: int, row: MemberRow, translator: Translator) -> str:
    """One member, as one sentence group in the order of the printed row."""
    _ = translator.gettext
    parts = [
        _("{number}人目、{name}さん。").format(
            number=number, name=spoken_name(row.kana or row.name)
        ),
        _("生年月日は、{date}。").format(date=_spoken_date(row.birth_date, translator.locale)),
        _("被保険者証の記号は、{symbol}、番号は、{number}").format(
            symbol=spell_digits_for(translator.locale, row.insured_symbol),
            number=spell_digits_for(translator.locale, row.insured_number),
        ),
    ]
    if row.insured_branch:
        parts.append(
            _("、枝番は、{branch}").format(
                branch=spell_digits_for(translator.locale, row.insured_branch)
            )
        )
    parts.append(
        "。" if translator.locale in _UNSPACED_LOCALES else _FULL_STOP.get(translator.locale, ".")
    )
    if row.acquired_date:
        parts.append(
            _("資格取得日は、{date}。").format(
                date=_spoken_date(row.acquired_date, translator.locale)
            )
        )
    if row.copay:
        parts.append(_("負担割合は、{copay}。").format(copay=row.copay))
    if row.mynumber_last4 is not None:
        parts.append(
            _("マイナンバーの下4桁は、{digits}です。").format(
                digits=spell_digits_for(translator.locale, row.mynumber_last4)
            )
        )
    else:
        parts.append(_("マイナンバーは、登録されていません。"))
    return _joined(parts, translator.locale)


def _block(block: Paragraph | ItemList, translator: Translator) -> list[str]:
    _ = translator.gettext
    if not hasattr(block, "items"):
        return [speakable(block.text, translator.locale)]
    sentences = []
    for item in block.items:
        lead = ""
        if item.marker:
            number = "".join(
                str(ord(char) - 0x245F) if "①" <= char <= "⑳" else char for char in item.marker
            )
            lead = _("{number}つ目、").format(number=number)
        if item.title:
            lead += speakable(item.title, translator.locale)
        sentences.append(lead + speakable(item.text, translator.locale))
        sentences += [speakable(detail, translator.locale) for detail in item.details]
    return sentences
