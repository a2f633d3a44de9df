"""Which QR symbol a voice text gets (voicecode.qr_symbol): the smallest version within the
sturdiest tier that holds it, at the strongest level, checked against a plain search that tries
every version from 1 upward at each level; qr_symbol jumps to the version the encoder's "too long"
answers point to, and must land on the very same symbol."""

from __future__ import annotations

import pytest

from noticegen import locales, notice, voicecode

# Scripts whose texts take the encoder's different ways: Kanji mode (Japanese), alphanumeric and
# byte segments (Latin with digits and capitals), UTF-8 under an ECI (Burmese, and Japanese mixed
# with letters Shift_JIS has not).
_SCRIPTS = {
    "japanese": "1ページ目。保険料の納付は、口座振替が便利です。電話 03-1234-5678。",
    "latin": "Page 2. Your NHI card No. 1234567 is valid until 2025-07-31; call 03 1234 5678. ",
    "burmese": "စာမျက်နှာ ၁။ ကျန်းမာရေးအာမခံ ကတ်ကို သိမ်းထားပါ။ ",
    "mixed": "3ページ目 Nguyễn Văn Ánh 様、保険証 No. 4567 ကတ်။ ",
}


def _text_of(script: str, size: int) -> str:
    """The longest run of the script's sentence, repeated, within `size` UTF-8 bytes."""
    sentence = _SCRIPTS[script]
    whole = sentence * (size // len(sentence.encode()) + 1)
    return whole.encode()[:size].decode(errors="ignore")


def _reference(text: str) -> voicecode._Symbol | None:
    """The plain search: each tier, the sturdiest first; in it each level, the strongest first;
    each version from 1 up to the tier's largest, until one holds the text."""
    tried: dict[tuple[str, int], object] = {}
    for max_version in voicecode.VERSION_TIERS:
        for level in voicecode.EC_LEVELS:
            for version in range(1, max_version + 1):
                if (level, version) not in tried:
                    tried[(level, version)] = voicecode._encode(text, level, version)
                if isinstance(tried[(level, version)], voicecode._Symbol):
                    return tried[(level, version)]
    return None


def _same_choice(texts) -> set[tuple[int, str]]:
    versions = set()
    for text in texts:
        chosen, expected = voicecode.qr_symbol(text), _reference(text)
        assert chosen == expected, (len(text.encode()), text[:40])
        if chosen is not None:
            versions.add(((chosen.modules - 17) // 4, chosen.ec_level))
    return versions


@pytest.mark.parametrize("script", sorted(_SCRIPTS))
def test_texts_of_every_size_get_the_symbol_a_plain_search_finds(script):
    """Sizes from 1 byte to beyond the largest code, in steps prime to the sentence's length (the
    whole 1..3000 range, every byte, was checked once in the change's proof)."""
    texts = {_text_of(script, size) for size in range(1, 3001, 7)} - {""}
    versions = _same_choice(sorted(texts))
    surely_fit = _bound_holds(sorted(texts))
    # Japanese, in Shift_JIS, is where the upper bound spares probes that UTF-8 would not.
    if script == "japanese":
        assert surely_fit
    # The range reaches the small versions, each level, and the largest tier.
    assert {version for version, _level in versions} >= {1, 5, 10, 17}
    assert {level for _version, level in versions} == set(voicecode.EC_LEVELS)


def test_the_voice_texts_of_every_locale_get_the_symbol_a_plain_search_finds(
    sample_households, config
):
    """Each page's whole voice text (often longer than one code) and each code's text, for a
    sample household in every locale."""
    encoder = voicecode.QrEncoder()
    texts = set()
    for locale in locales.CODES:
        for household in sample_households[:1]:
            for part in notice.make_all(household, config, encoder, locale=locale):
                texts.update(part.voice_texts)
                for page in part.pages:
                    texts.update(part.page_codes(page).texts)
    assert len(texts) > 60
    _same_choice(sorted(texts))
    assert _bound_holds(sorted(texts))


def _bound_holds(texts) -> int:
    """The codewords a text surely needs more than (voicecode._least_codewords, which spares
    splitting the encoder's word on texts too long for a code) are fewer than it does need, and
    those it surely fits in (voicecode._most_codewords, which spares it on texts that fit) are
    not fewer, so that `_fits` answers as the encoder would, for each tier and level. Returned:
    how many times the Shift_JIS bytes decided that a text fits where UTF-8's would not have."""
    decided = surely_fit = 0
    for text in texts:
        least, most = voicecode._least_codewords(text), voicecode._most_codewords(text)
        utf8_most = len(text.encode()) + voicecode._BYTE_MODE_OVERHEAD
        for level in voicecode.EC_LEVELS:
            needed = voicecode._needed(text, level)
            assert least < (needed or voicecode._capacity(voicecode._PROBE_VERSION, level))
            assert needed <= most
            for max_version in voicecode.VERSION_TIERS:
                capacity = voicecode._capacity(max_version, level)
                assert voicecode._fits(text, level, max_version) == (needed <= capacity)
                decided += least > capacity
                # Decided by the Shift_JIS bytes, where the UTF-8 ones would have asked.
                surely_fit += most <= capacity < utf8_most
    assert decided  # the lower bound does spare some probes here
    return surely_fit  # the texts the upper one spares a probe where UTF-8's bytes would not


def test_the_bound_a_text_surely_fits_in_holds_for_every_character_shift_jis_has():
    """voicecode._most_codewords counts a text in Shift_JIS bytes when Python's codec writes it,
    but the encoder's own table writes a few of the codec's characters otherwise. Each character,
    after kana, alone, and after a kanji (so that the encoder cannot write the text in
    ISO-8859-1), at the weakest and the strongest level, needs no more than the bound; and the
    characters it treats apart are those the codec's bytes alone would have undercounted."""
    undercounted = set()
    for code_point in range(0x20, 0x10000):
        character = chr(code_point)
        try:
            character.encode("shift_jis")
        except UnicodeEncodeError:
            continue
        for text in ("あ" * 150 + character * 80, character * 300, "漢" + character * 300):
            codec_bound = len(text.encode("shift_jis")) + voicecode._BYTE_MODE_OVERHEAD
            for level in ("M", "H"):
                needed = voicecode._needed(text, level)
                assert needed <= voicecode._most_codewords(text), (hex(code_point), text[:3])
                if needed > codec_bound:
                    undercounted.add(character)
    assert undercounted == {
        voicecode._TWO_BYTES_IN_ENCODERS_SHIFT_JIS,
        *voicecode._OUTSIDE_ENCODERS_SHIFT_JIS,
    }
