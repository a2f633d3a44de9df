"""The locales noticegen writes, and every fact about each that more than one module needs.

One registry, asked by the member-file reader (which spellings mean which locale), the view (dates,
page packing), speech (spacing and full stops), the catalog tools (Babel's name, the machine
translator's name), the site and the preview (each language's name). A new locale is added here
and in `locales/` (its catalog) and `fonts/manifest.toml` (its font), nowhere else.

The fonts that set a locale stay in `fonts/manifest.toml`: they are data about font files.
"""

from __future__ import annotations

from dataclasses import dataclass

SOURCE = "ja"  # the catalogs' msgids are the authoritative Japanese wording


class UnknownLocaleError(LookupError):
    pass


@dataclass(frozen=True)
class Locale:
    code: str  # noticegen's name, as in the member file's `language` column and `locales/`
    japanese_name: str  # for the clerk: 中国語（簡体字）
    native_name: str  # for the reader, in the language's own script
    english_name: str
    babel: str  # Babel's locale id (dates, plural rules, catalogs)
    script: str  # ISO 15924 code of the script the language is written in
    bcp47: str  # the tag for HTML `lang` and PDF /Lang
    # Whether the reader reads 和暦 as printed; others get the Gregorian date with the 和暦 beside it.
    reads_wareki: bool = False
    # What separates two sentences: nothing in Japanese and Chinese, a space elsewhere.
    sentence_gap: str = " "
    # The full stop a sentence gets when it has none; Thai ends a sentence with a space alone.
    full_stop: str = "."
    list_separator: str = ", "
    # How the translated guide is packed: "cjk" (full-width characters), "tall" (scripts with
    # stacked marks, which need taller lines) or "latin".
    guide_packing: str = "latin"
    # How many UTF-8 bytes of a translated guide or check page's text its row of voice codes holds
    # at the sturdy sizes (voicecode.VERSION_TIERS 1 and 2), for one section alone on the page;
    # sections sharing a page get 13/16 of it (view.GUIDE_VOICE_BYTES). Scripts of three bytes a
    # character take fewer characters a page, and their codes' markers (「1ページ目、その2。」
    # and where the next code is) take three times the bytes too.
    page_voice_bytes: int = 3200
    # Page 1 of a translated part holds the title, the fields and the foreign-language line only:
    # the members start on page 2 and the introduction opens the check pages. In these scripts
    # page 1's voice text with a member and the introduction (3,100-4,700 bytes) needs five to
    # seven codes of version 25 (which a phone's zbar misses one time in six), more than its row.
    short_page_one: bool = False
    direction: str = "ltr"
    # The language code a machine-translation provider knows it by (None: no machine pre-fill).
    provider_code: str | None = None
    # Other spellings of the locale that a core system may export in the member file.
    aliases: tuple[str, ...] = ()
    # How a web address's symbols are said (www.city.itabashi.tokyo.jp → www dot city dot …): the
    # voice text reads them as words, never as raw punctuation.
    url_dot: str = "dot"
    url_slash: str = "slash"
    # What a voice says for a range's dash (8:30～17:00): a word where the dash is not read.
    spoken_range: str = "–"

    @property
    def is_japanese(self) -> bool:
        return self.code in (SOURCE, EASY_JAPANESE)


EASY_JAPANESE = "ja-x-easy"

_JAPANESE_STYLE = dict(sentence_gap="", full_stop="。", list_separator="、")
_JAPANESE_URL = dict(url_dot="ドット", url_slash="スラッシュ", spoken_range="から")

# In the order the ward lists its languages: Japanese, then by the size of each group of residents.
ALL: tuple[Locale, ...] = (
    Locale(
        "ja", "日本語", "日本語", "Japanese", "ja", "Jpan", "ja",
        reads_wareki=True, guide_packing="cjk", aliases=("ja-jp", "jpn"), **_JAPANESE_STYLE,
        **_JAPANESE_URL,
    ),
    Locale(
        EASY_JAPANESE, "やさしい日本語", "やさしい にほんご", "Easy Japanese", "ja", "Jpan", "ja",
        reads_wareki=True, guide_packing="cjk", aliases=("ja-easy", "easy-ja", "yasashii"),
        **_JAPANESE_STYLE, **_JAPANESE_URL,
    ),
    Locale(
        "en", "英語", "English", "English", "en", "Latn", "en",
        provider_code="en", aliases=("en-us", "en-gb", "eng"),
    ),
    Locale(
        "zh-Hans", "中国語（簡体字）", "简体中文", "Chinese (Simplified)", "zh_Hans", "Hans", "zh-Hans",
        guide_packing="cjk", provider_code="zh-CN",
        aliases=("zh", "zh-cn", "zh-sg", "zh-hans-cn", "chi", "zho"), **_JAPANESE_STYLE,
        url_dot="点", url_slash="斜杠", spoken_range="至",
    ),
    Locale(
        "zh-Hant", "中国語（繁体字）", "繁體中文", "Chinese (Traditional)", "zh_Hant", "Hant", "zh-Hant",
        guide_packing="cjk", provider_code="zh-TW",
        aliases=("zh-tw", "zh-hk", "zh-mo", "zh-hant-tw"), **_JAPANESE_STYLE,
        url_dot="點", url_slash="斜線", spoken_range="至",
    ),
    Locale(
        "ko", "韓国語", "한국어", "Korean", "ko", "Kore", "ko",
        guide_packing="cjk", provider_code="ko", aliases=("ko-kr", "kor"),
        url_dot="점", url_slash="슬래시",
    ),
    Locale(
        "vi", "ベトナム語", "Tiếng Việt", "Vietnamese", "vi", "Latn", "vi",
        provider_code="vi", aliases=("vi-vn", "vie"), url_dot="chấm", url_slash="gạch chéo",
    ),
    Locale(
        "ne", "ネパール語", "नेपाली", "Nepali", "ne", "Deva", "ne",
        full_stop="।", guide_packing="tall", page_voice_bytes=2200, short_page_one=True,
        provider_code="ne",
        aliases=("ne-np", "nep"),
        url_dot="डट", url_slash="स्ल्यास",
    ),
    Locale(
        "tl", "タガログ語", "Tagalog", "Tagalog", "fil", "Latn", "tl",
        provider_code="tl", aliases=("fil", "fil-ph", "tl-ph", "tgl"),
    ),
    Locale(
        "my", "ミャンマー語", "မြန်မာဘာသာ", "Burmese", "my", "Mymr", "my",
        full_stop="။", guide_packing="tall", page_voice_bytes=2000, short_page_one=True,
        provider_code="my",
        aliases=("my-mm", "mya", "bur"),
        url_dot="ဒေါ့", url_slash="မျဉ်းစောင်း",
    ),
    Locale(
        "pt", "ポルトガル語", "Português", "Portuguese", "pt", "Latn", "pt",
        provider_code="pt", aliases=("pt-br", "pt-pt", "por"), url_dot="ponto", url_slash="barra",
    ),
    Locale(
        "es", "スペイン語", "Español", "Spanish", "es", "Latn", "es",
        provider_code="es", aliases=("es-es", "es-mx", "spa"), url_dot="punto", url_slash="barra",
    ),
    Locale(
        "th", "タイ語", "ภาษาไทย", "Thai", "th", "Thai", "th",
        full_stop="", guide_packing="tall", page_voice_bytes=2200, short_page_one=True,
        provider_code="th",
        aliases=("th-th", "tha"),
        url_dot="จุด", url_slash="ทับ",
    ),
    Locale(
        "id", "インドネシア語", "Bahasa Indonesia", "Indonesian", "id", "Latn", "id",
        provider_code="id", aliases=("id-id", "ind", "in"), url_dot="titik", url_slash="garis miring",
    ),
    Locale(
        "km", "クメール語", "ភាសាខ្មែរ", "Khmer", "km", "Khmr", "km",
        full_stop="។", guide_packing="tall", page_voice_bytes=2200, short_page_one=True,
        provider_code="km",
        aliases=("km-kh", "khm"),
        url_dot="ចុច", url_slash="សញ្ញាទ្រេត",
    ),
    Locale(
        "mn", "モンゴル語", "Монгол хэл", "Mongolian", "mn", "Cyrl", "mn",
        page_voice_bytes=2600, short_page_one=True, provider_code="mn", aliases=("mn-mn", "mon"),
        url_dot="цэг", url_slash="ташуу зураас",
    ),
)  # fmt: skip

_BY_CODE = {locale.code: locale for locale in ALL}
CODES: tuple[str, ...] = tuple(_BY_CODE)
TRANSLATED: tuple[str, ...] = tuple(code for code in CODES if code != SOURCE)
FOREIGN: tuple[str, ...] = tuple(code for code in CODES if not _BY_CODE[code].is_japanese)


def get(code: str) -> Locale:
    """The registry's entry for a locale code, exactly as noticegen spells it.

    >>> get("zh-Hans").babel
    'zh_Hans'
    """
    try:
        return _BY_CODE[code]
    except KeyError:
        raise UnknownLocaleError(
            f"unknown locale {code!r}; noticegen writes: {', '.join(CODES)}"
        ) from None


def from_spelling(spelling: str) -> str | None:
    """The locale code a member file's spelling means (case and _/- do not matter), or None.

    >>> from_spelling("ZH_tw"), from_spelling("fil"), from_spelling("en"), from_spelling("xx")
    ('zh-Hant', 'tl', 'en', None)
    """
    wanted = spelling.strip().lower().replace("_", "-")
    for locale in ALL:
        if wanted == locale.code.lower() or wanted in locale.aliases:
            return locale.code
    return None
