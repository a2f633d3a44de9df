"""Kana in Latin letters (modified Hepburn), for a voice that cannot read Japanese.

A member's name is registered in kanji with its reading (フリガナ) in katakana. A Thai, Nepali or
English voice reads neither, but reads Latin letters: the reading romanised is how the member's
name sounds, spoken by that voice. Modified Hepburn, as in the Japanese government's and most
dictionaries' romanisation: long vowels with a macron (おう, おお → ō; うう → ū; ー lengthens the
vowel before it), a small っ doubling the next consonant (っち → tch), ん written n' before a vowel
or y, ゔ as v, and the katakana combinations for foreign sounds (ティ → ti, ファ → fa).

Table-driven and small; only kana is converted, anything else is kept as written.
"""

from __future__ import annotations

import re

_SINGLE = {
    "ア": "a", "イ": "i", "ウ": "u", "エ": "e", "オ": "o",
    "カ": "ka", "キ": "ki", "ク": "ku", "ケ": "ke", "コ": "ko",
    "サ": "sa", "シ": "shi", "ス": "su", "セ": "se", "ソ": "so",
    "タ": "ta", "チ": "chi", "ツ": "tsu", "テ": "te", "ト": "to",
    "ナ": "na", "ニ": "ni", "ヌ": "nu", "ネ": "ne", "ノ": "no",
    "ハ": "ha", "ヒ": "hi", "フ": "fu", "ヘ": "he", "ホ": "ho",
    "マ": "ma", "ミ": "mi", "ム": "mu", "メ": "me", "モ": "mo",
    "ヤ": "ya", "ユ": "yu", "ヨ": "yo",
    "ラ": "ra", "リ": "ri", "ル": "ru", "レ": "re", "ロ": "ro",
    "ワ": "wa", "ヰ": "i", "ヱ": "e", "ヲ": "o",
    "ガ": "ga", "ギ": "gi", "グ": "gu", "ゲ": "ge", "ゴ": "go",
    "ザ": "za", "ジ": "ji", "ズ": "zu", "ゼ": "ze", "ゾ": "zo",
    "ダ": "da", "ヂ": "ji", "ヅ": "zu", "デ": "de", "ド": "do",
    "バ": "ba", "ビ": "bi", "ブ": "bu", "ベ": "be", "ボ": "bo",
    "パ": "pa", "ピ": "pi", "プ": "pu", "ペ": "pe", "ポ": "po",
    "ヴ": "vu",
    # Small vowels and ya/yu/yo alone (when no combination takes them), and the small ka/ke.
    "ァ": "a", "ィ": "i", "ゥ": "u", "ェ": "e", "ォ": "o",
    "ャ": "ya", "ュ": "yu", "ョ": "yo", "ヮ": "wa", "ヵ": "ka", "ヶ": "ke",
}  # fmt: skip

_PAIRS = {
    "キャ": "kya", "キュ": "kyu", "キョ": "kyo",
    "シャ": "sha", "シュ": "shu", "ショ": "sho", "シェ": "she",
    "チャ": "cha", "チュ": "chu", "チョ": "cho", "チェ": "che",
    "ニャ": "nya", "ニュ": "nyu", "ニョ": "nyo",
    "ヒャ": "hya", "ヒュ": "hyu", "ヒョ": "hyo",
    "ミャ": "mya", "ミュ": "myu", "ミョ": "myo",
    "リャ": "rya", "リュ": "ryu", "リョ": "ryo",
    "ギャ": "gya", "ギュ": "gyu", "ギョ": "gyo",
    "ジャ": "ja", "ジュ": "ju", "ジョ": "jo", "ジェ": "je",
    "ヂャ": "ja", "ヂュ": "ju", "ヂョ": "jo",
    "ビャ": "bya", "ビュ": "byu", "ビョ": "byo",
    "ピャ": "pya", "ピュ": "pyu", "ピョ": "pyo",
    # Combinations for foreign sounds (the Cabinet's 外来語の表記, 1991).
    "イェ": "ye", "ウィ": "wi", "ウェ": "we", "ウォ": "wo",
    "ヴァ": "va", "ヴィ": "vi", "ヴェ": "ve", "ヴォ": "vo", "ヴュ": "vyu",
    "クァ": "kwa", "クィ": "kwi", "クェ": "kwe", "クォ": "kwo", "グァ": "gwa",
    "ツァ": "tsa", "ツィ": "tsi", "ツェ": "tse", "ツォ": "tso",
    "ティ": "ti", "トゥ": "tu", "テュ": "tyu", "ディ": "di", "ドゥ": "du", "デュ": "dyu",
    "ファ": "fa", "フィ": "fi", "フェ": "fe", "フォ": "fo", "フュ": "fyu",
}  # fmt: skip

_VOWELS = "aeiou"
_MACRON = {"a": "ā", "i": "ī", "u": "ū", "e": "ē", "o": "ō"}
# A plain vowel kana after a syllable ending in these vowels makes one long vowel.
_LONG = {("a", "a"), ("u", "u"), ("e", "e"), ("o", "o"), ("o", "u")}
_SMALL_TSU = "ッ"
_N = "ン"
_LONG_MARK = "ー"


def _katakana(text: str) -> str:
    # Hiragana ぁ–ゖ sit 0x60 below their katakana.
    return "".join(chr(ord(char) + 0x60) if "ぁ" <= char <= "ゖ" else char for char in text)


def _syllables(word: str) -> list[str]:
    """A katakana word as syllables: romaji, or the marks ッ, ン, ー, or other characters as given."""
    result = []
    index = 0
    while index < len(word):
        pair = word[index : index + 2]
        if pair in _PAIRS:
            result.append(_PAIRS[pair])
            index += 2
            continue
        char = word[index]
        result.append(_SINGLE.get(char, char))
        index += 1
    return result


def _word(word: str) -> str:
    syllables = _syllables(_katakana(word))
    out: list[str] = []
    plain_vowel_follows = [
        syllable in _VOWELS and len(syllable) == 1 for syllable in syllables
    ]  # a vowel kana of its own (ア, ウ …), which may lengthen the vowel before it
    for index, syllable in enumerate(syllables):
        following = syllables[index + 1] if index + 1 < len(syllables) else ""
        if syllable == _SMALL_TSU:
            if following[:2] == "ch":
                out.append("t")
            elif following and following[0] not in _VOWELS and following[0].isalpha():
                out.append(following[0])
            continue
        if syllable == _N:
            out.append("n'" if following[:1] in (*_VOWELS, "y") and following else "n")
            continue
        if syllable == _LONG_MARK:
            if out and out[-1] and out[-1][-1] in _VOWELS:
                out[-1] = out[-1][:-1] + _MACRON[out[-1][-1]]
            continue
        previous = out[-1] if out else ""
        if (
            plain_vowel_follows[index]
            and previous
            and previous[-1] in _VOWELS
            and (previous[-1], syllable) in _LONG
            # the vowel before must itself be a syllable's end, not an ッ's consonant
            and syllables[index - 1] not in (_SMALL_TSU, _N)
        ):
            out[-1] = previous[:-1] + _MACRON[previous[-1]]
            continue
        out.append(syllable)
    text = "".join(out)
    return text[:1].upper() + text[1:]


def romanize(reading: str) -> str:
    """A reading in kana as a name in modified Hepburn, each word capitalised.

    >>> romanize("カメイ イチロウ")
    'Kamei Ichirō'
    >>> romanize("おおの ゆうこ")
    'Ōno Yūko'
    >>> romanize("サトウ ケンイチ"), romanize("シンイチ"), romanize("ジュンヤ")
    ("Satō Ken'ichi", "Shin'ichi", "Jun'ya")
    >>> romanize("ハットリ マッチャ"), romanize("ベッショ")
    ('Hattori Matcha', 'Bessho')
    >>> romanize("ジョーンズ ヴィクトリア"), romanize("スミス・ジョン")
    ('Jōnzu Vikutoria', 'Sumisu Jon')
    >>> romanize("ティファニー ファン"), romanize("シェリー ウォーカー")
    ('Tifanī Fan', 'Sherī Wōkā')
    >>> romanize("キム ミンジュン"), romanize("ホンマ"), romanize("カクウ")
    ('Kimu Minjun', 'Honma', 'Kakū')
    >>> romanize("イイダ エイコ"), romanize("ヂヅ")
    ('Iida Eiko', 'Jizu')
    """
    # The middle dot and equals sign between a foreign name's parts (スミス・ジョン) part words too.
    return " ".join(_word(word) for word in re.split(r"[\s・＝=]+", reading) if word)
