"""Writes the synthetic member files in samples/: members.csv (UTF-8) and members-cp932.csv.

Every person is fictional: the surnames are words like 見本 (sample) and 試験 (test), and every My
Number is made up (with a correct check digit where the row is meant to be valid). The file
exercises every rule of spec/input.md and every rejection code; the households meant to be
rejected are listed in EXPECTED_REJECTIONS, which the tests check against.

Regenerate with:  .venv/bin/python samples/make_samples.py
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import random
from pathlib import Path

from noticegen import mynumber, rules

HERE = Path(__file__).resolve().parent
# The shipped configuration's [dates] reference: every accepted member is an NHI member on it
# (under 75) with the 負担割合 of their age.
REFERENCE = dt.date(2024, 10, 1)

COLUMNS = (
    "household_id",
    "member_name",
    "member_kana",
    "birth_date",
    "head_name",
    "postal_code",
    "address",
    "address2",
    "language",
    "insured_symbol",
    "insured_number",
    "insured_branch",
    "acquired_date",
    "copay_ratio",
    "mynumber_last4",
    "mynumber",
    "note",
)  # fmt: skip  -- a column order unlike the spec's, and an unknown column ("note")

SURNAMES = (("見本", "ミホン"), ("試験", "シケン"), ("架空", "カクウ"), ("例題", "レイダイ"),
            ("仮名", "カメイ"), ("模擬", "モギ"), ("雛形", "ヒナガタ"), ("試作", "シサク"))  # fmt: skip
GIVEN = (("太郎", "タロウ"), ("花子", "ハナコ"), ("一郎", "イチロウ"), ("次郎", "ジロウ"),
         ("春子", "ハルコ"), ("夏美", "ナツミ"), ("秋人", "アキト"), ("冬子", "フユコ"),
         ("健太", "ケンタ"), ("美咲", "ミサキ"), ("翔太", "ショウタ"), ("陽菜", "ヒナ"),
         ("大翔", "ヒロト"), ("結衣", "ユイ"), ("蓮", "レン"), ("葵", "アオイ"))  # fmt: skip
# Postal codes and 町域 of Itabashi ward, with plausible block numbers.
AREAS = (("1730004", "東京都板橋区板橋"), ("1730001", "東京都板橋区本町"),
         ("1730005", "東京都板橋区仲宿"), ("1730013", "東京都板橋区氷川町"),
         ("1730023", "東京都板橋区大山町"), ("1730025", "東京都板橋区熊野町"),
         ("1740046", "東京都板橋区蓮根"), ("1740056", "東京都板橋区志村"),
         ("1740071", "東京都板橋区常盤台"), ("1740076", "東京都板橋区上板橋"),
         ("1750082", "東京都板橋区高島平"), ("1750083", "東京都板橋区徳丸"),
         ("1750092", "東京都板橋区赤塚"), ("1750094", "東京都板橋区成増"))  # fmt: skip
CHOME = ("一", "二", "三", "四", "五")

# household_id → the rejection code its rows are built to produce.
EXPECTED_REJECTIONS = {
    "H0041": "MISSING_FIELD",
    "H0042": "BAD_POSTAL_CODE",
    "H0043": "BAD_DATE",
    "H0044": "BAD_DATE",
    "H0045": "BAD_MYNUMBER",
    "H0046": "BAD_MYNUMBER",
    "H0047": "HOUSEHOLD_MISMATCH",
    "H0048": "HOUSEHOLD_SPLIT",
    "H0049": "UNPRINTABLE_CHAR",
    "H0050": "BAD_ROW",
    "H0051": "BAD_ROW",
    "H0052": "BAD_FIELD",
    "H0053": "ADDRESS_TOO_LONG",
    "H0054": "BAD_MYNUMBER",
    "H0055": "BAD_FIELD",
    "H0061": "NOT_NHI_AGE",
    "H0062": "BAD_COPAY",
    "H0063": "FIELD_TOO_LONG",
    "": "BAD_FIELD",  # a row whose household id has a character ids may not hold
}

# household_id → the warnings an accepted household is built to give (the file-level ones,
# UNKNOWN_COLUMN and DECODED_AS_CP932, come from the "note" column and the CP932 copy).
EXPECTED_WARNINGS = {
    "H0012": ["UNKNOWN_LANGUAGE"],
    "H0026": ["POSTAL_AREA_MISMATCH"],
    "H0028": ["INSURED_NUMBER_DIFFERS"],
    "H0029": ["KANA_NOT_KATAKANA"],
}


def valid_mynumber(rng: random.Random) -> str:
    base = "".join(str(rng.randrange(10)) for _ in range(11))
    return base + str(mynumber.check_digit(base))


def person(surname: tuple[str, str], given: tuple[str, str]) -> tuple[str, str]:
    return f"{surname[0]} {given[0]}", f"{surname[1]} {given[1]}"


def household_rows(rng: random.Random, number: int, size: int, **overrides) -> list[dict]:
    """A household of `size` members; the first row carries the household cells, the rest inherit."""
    surname = SURNAMES[number % len(SURNAMES)]
    postal, town = AREAS[number % len(AREAS)]
    # Given names drawn without replacement: no two members of a household share a name.
    givens = rng.sample(GIVEN, size)
    head, _ = person(surname, givens[0])
    address = f"{town}{rng.choice(CHOME)}丁目{rng.randint(1, 40)}番{rng.randint(1, 20)}号"
    rows = []
    number_of_household = ""  # NHI: one 記号・番号 for the household, the 枝番 per member
    for index in range(size):
        name, kana = person(surname, givens[index])
        if index < 2:
            # Adults born 1950-1995: under 75 on the reference date. The draw keeps the range
            # it always had, so every later draw (names, numbers) stays as it was.
            year = 1950 + (rng.randint(1935, 1995) - 1935) * 45 // 60
        else:
            year = rng.randint(2000, 2023)
        birth = f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        full = valid_mynumber(rng)
        linked = rng.random() < 0.85
        drawn_number = f"{rng.randint(1, 9999999):07d}"
        number_of_household = number_of_household or drawn_number
        row = {
            "household_id": f"H{number:04d}",
            "member_name": name,
            "member_kana": kana,
            "birth_date": birth,
            "head_name": head if index == 0 else "",
            "postal_code": f"{postal[:3]}-{postal[3:]}" if index == 0 else "",
            "address": address if index == 0 else "",
            "address2": "",
            "language": "",
            "insured_symbol": "板",
            "insured_number": number_of_household,
            "insured_branch": f"{index + 1:02d}",
            "acquired_date": f"{max(year + 1, 2015)}-04-01" if rng.random() < 0.7 else "",
            "copay_ratio": "",  # set by fit_copay, from the age on the reference date
            "mynumber_last4": "",
            "mynumber": "",
            "note": "",
        }
        if linked:
            # Some rows give the full number (noticegen keeps only its last four digits), some
            # only the last four, some both.
            style = rng.randrange(3)
            if style in (0, 2):
                row["mynumber"] = full
            if style in (1, 2):
                row["mynumber_last4"] = full[-4:]
        rows.append(row)
    for key, value in overrides.items():
        rows[0][key] = value
    return rows


def fit_copay(rows: list[dict], elderly_ratio: str = "2") -> None:
    """The 負担割合 each member's age allows on the reference date: 2 before school age, 3 from
    then to 69, and for 70-74 `elderly_ratio` (2, or 3 for a 現役並み所得 household)."""
    for row in rows:
        if row["copay_ratio"] == "" and row.get("keep_copay_empty"):
            continue
        birth = rules.parse_date(row["birth_date"].translate(_FOLD))
        if birth is None or not rules.is_nhi_age(birth, REFERENCE):
            continue  # a row built to be rejected for its date
        allowed = rules.copay_stage(birth, REFERENCE).allowed
        row["copay_ratio"] = elderly_ratio if len(allowed) > 1 else str(min(allowed))


_FOLD = str.maketrans("０１２３４５６７８９－／", "0123456789-/")


def build() -> list[dict]:
    rng = random.Random(20241025)
    households: dict[int, list[dict]] = {}
    sizes = [1, 2, 3, 4, 2, 1, 5, 2, 3, 1]
    for number in range(1, 41):
        households[number] = household_rows(rng, number, sizes[number % len(sizes)])

    # Accepted households that exercise the rules.
    households[1][0]["address2"] = "コーポ見本 101号室"
    households[2] = household_rows(rng, 2, 10)  # exactly ten: all on page 1
    households[3] = household_rows(rng, 3, 12)  # twelve: a continuation page
    households[4][0]["postal_code"] = "１７３－００２３"  # full-width digits and hyphen (大山町)
    households[4][0]["birth_date"] = "１９６０／０４／０１"
    households[4][0]["mynumber_last4"] = "１２３４"
    households[4][0]["mynumber"] = ""
    households[5][0]["member_kana"] = "ﾐﾎﾝ ﾀﾛｳ"  # half-width kana, converted
    households[5][0]["member_name"] = households[5][0]["head_name"] = "見本 太郎"
    households[6][0]["head_name"] = "試作 代表"  # 擬制世帯主: the addressee is not a member
    households[7][0]["language"] = "en"
    households[8][0]["language"] = "zh-CN"  # alias of zh-Hans
    households[9][0]["language"] = "fil"  # alias of tl
    households[10][0]["language"] = "pt-BR"
    households[11][0]["language"] = "KO"  # case-insensitive
    households[12][0]["language"] = "xx-unknown"  # unknown: Japanese only, a warning
    households[13][0]["language"] = "ja-x-easy"
    households[14][0]["member_name"] = households[14][0]["head_name"] = (
        "髙見本 﨑子"  # CP932 extensions
    )
    households[14][0]["member_kana"] = "タカミホン サキコ"
    households[15][0]["head_name"] = households[15][0]["member_name"] = 'SAMPLE <b>&"JOHN"'
    households[15][0]["member_kana"] = "サンプル ジョン"
    households[16][0]["address2"] = "見本ハイツ, 202号室"  # a comma inside a quoted cell
    households[17][0]["mynumber"] = "621498320257"  # the standard's valid example
    households[17][0]["mynumber_last4"] = "0257"
    households[18][0]["mynumber"] = households[18][0]["mynumber_last4"] = ""  # none linked
    households[19][0]["member_name"] = "　見本 春子　"  # ideographic spaces around the cell
    households[19][0]["head_name"] = "見本 春子"
    households[20][0]["keep_copay_empty"] = True  # no 負担割合 given
    households[20][0]["acquired_date"] = ""
    households[20][0]["insured_branch"] = ""
    for number in (21, 22, 23):
        households[number][0]["acquired_date"] = ""
    households[21][0]["birth_date"] = "1989/01/08"  # 平成元年, the era's first day
    households[22][0]["birth_date"] = "1989-01-07"  # 昭和64年, the era's last day
    households[23][-1]["birth_date"] = "2019-05-01"  # 令和元年: a child before school age
    households[26][0]["postal_code"] = "173-0001"  # 本町's code for an address in 赤塚: a warning
    households[28][1]["insured_number"] = "7654321"  # two 記号・番号 in one household: a warning
    households[29][0]["member_kana"] = "れいだい はなこ"  # hiragana for katakana: a warning
    households[30][0]["birth_date"] = "1954-10-01"  # 70 on 1 October: 高齢受給者 from October
    households[31][0]["birth_date"] = "1952-03-15"  # 72: 高齢受給者, 現役並み所得 (3割)
    households[24][0]["address2"] = "グランドメゾン見本ステーションフロントタワー1203号室"
    households[25][0]["note"] = "unknown column, ignored"

    # Households built to be rejected, one rule each (EXPECTED_REJECTIONS).
    households[41] = household_rows(rng, 41, 2)
    households[41][1]["member_name"] = ""
    households[42] = household_rows(rng, 42, 1, postal_code="17300")
    households[43] = household_rows(rng, 43, 1, birth_date="1990-02-30")
    households[44] = household_rows(rng, 44, 2)
    households[44][1]["birth_date"] = "2099-01-01"
    households[45] = household_rows(rng, 45, 1, mynumber="123456789019", mynumber_last4="")
    households[46] = household_rows(rng, 46, 1, mynumber="621498320257", mynumber_last4="1111")
    households[47] = household_rows(rng, 47, 2)
    households[47][1]["address"] = "東京都板橋区加賀一丁目1番1号"
    households[48] = household_rows(rng, 48, 2)  # its second row is placed later: split
    households[49] = household_rows(rng, 49, 1, member_name="見本\ue000子")  # a private-use gaiji
    households[50] = household_rows(rng, 50, 1, note="extra")  # gains an extra cell below
    households[51] = household_rows(rng, 51, 1, address2="見" * 201)
    households[52] = household_rows(rng, 52, 1, copay_ratio="4")
    households[53] = household_rows(
        rng,
        53,
        1,
        address2="見本ロイヤルパレスガーデンタワーサウスウイング二十八階二千八百一号室見本管理事務所気付見本コミュニティラウンジ内見本様方",
    )
    households[54] = household_rows(rng, 54, 1, mynumber_last4="12a4", mynumber="")
    households[55] = household_rows(rng, 55, 1, insured_branch="1")
    for number in range(56, 61):
        households[number] = household_rows(rng, number, sizes[number % len(sizes)])
    for number, rows in households.items():
        if number <= 40 or number >= 56:
            fit_copay(rows, elderly_ratio="3" if number == 31 else "2")
    households[61] = household_rows(rng, 61, 2)
    households[61][1]["birth_date"] = "1948-05-05"  # 76 on the reference date: 後期高齢者医療
    households[62] = household_rows(rng, 62, 3)
    fit_copay(households[62])
    households[62][2]["birth_date"] = "2021-06-15"  # 3 years old: 2割, not 3
    households[62][2]["copay_ratio"] = "3"
    households[62][2]["acquired_date"] = ""
    # A 記号 too long for its line of the 記号・番号・枝番 cell at any allowed size.
    households[63] = household_rows(rng, 63, 1)
    fit_copay(households[63])
    households[63][0]["insured_symbol"] = "板橋区国民健康保険一般被保険者"
    for number in range(41, 56):
        if number not in (52,):  # 52 is built to have a bad ratio format
            fit_copay(households[number])

    rows: list[dict] = []
    split_tail = households[48].pop()
    for number in sorted(households):
        rows.extend(households[number])
        if number == 52:
            rows.append(split_tail)
        if number == 55:
            bad_id = household_rows(rng, 99, 1)
            bad_id[0]["household_id"] = "H_0099"
            rows.extend(bad_id)
    return rows


def to_csv(rows: list[dict]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for row in rows:
        cells = [row[column] for column in COLUMNS]
        if row["note"] == "extra":
            cells.append("an extra cell")  # BAD_ROW: more cells than the header
        writer.writerow(cells)
    return out.getvalue()


def main() -> None:
    text = to_csv(build())
    (HERE / "members.csv").write_text(text, encoding="utf-8", newline="")
    (HERE / "members-cp932.csv").write_bytes(text.encode("cp932"))
    print(f"wrote {HERE / 'members.csv'} and {HERE / 'members-cp932.csv'}")


if __name__ == "__main__":
    main()
