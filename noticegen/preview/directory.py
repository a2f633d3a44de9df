"""The member file as the preview holds it: every household and rejection, found by id, name, kana
or insured number.

The file is read once, when the app starts, through `records` (the only code that sees a full My
Number); the preview never reads it again and never writes it. Search is a substring match on text
folded the way clerks type it: full-width and half-width forms alike (NFKC), no spaces, hiragana
as katakana, Latin letters in any case. A rejected household is found by its id only: `records`
keeps no other cell of a row it rejects.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from noticegen import batch, fonts, records
from noticegen.records import Household, InputWarning, Member, Rejection
from noticegen.settings import Settings

# Hiragana (ぁ–ゖ, ゝゞ) to katakana: the same kana, 0x60 code points further on.
_HIRAGANA_TO_KATAKANA = {code: code + 0x60 for code in (*range(0x3041, 0x3097), 0x309D, 0x309E)}
SEARCH_LIMIT = 50
MAX_QUERY_LENGTH = 100


def fold(text: str) -> str:
    """Text as search compares it.

    >>> fold("しけん　ゆい")
    'シケンユイ'
    >>> fold("ｈ０００１")
    'h0001'
    """
    folded = unicodedata.normalize("NFKC", text).casefold().translate(_HIRAGANA_TO_KATAKANA)
    return "".join(character for character in folded if not character.isspace())


@dataclass(frozen=True)
class Found:
    """One search result: a household (with the member who matched, if not only the head) or a
    rejection."""

    household: Household | None = None
    rejection: Rejection | None = None
    member: Member | None = None

    @property
    def household_id(self) -> str:
        outcome = self.household or self.rejection
        assert outcome is not None
        return outcome.household_id


@dataclass(frozen=True)
class SearchResult:
    found: tuple[Found, ...]
    more: bool  # more matched than were returned: the clerk should narrow the search


def _member_keys(member: Member) -> tuple[str, ...]:
    return tuple(
        fold(text)
        for text in (
            member.name,
            member.kana or "",
            member.insured_number,
            member.insured_symbol + member.insured_number,
        )
        if text
    )


class Directory:
    """Households and rejections by id, in file order, and the search over them."""

    def __init__(
        self,
        households: list[Household],
        rejections: list[Rejection],
        file_warnings: tuple[InputWarning, ...] = (),
        encoding: str = "utf-8",
    ) -> None:
        self.households = {household.household_id: household for household in households}
        # Each household's sequence number as the batch prints it: its place in mailing order.
        self.sequence = {
            household.household_id: seq
            for seq, household in enumerate(sorted(households, key=batch.mailing_key), start=1)
        }
        self.rejections = {r.household_id: r for r in rejections if r.household_id}
        self.unidentified = tuple(r for r in rejections if not r.household_id)
        self.file_warnings = file_warnings
        self.encoding = encoding
        # One folded text per household: its id, then each field on its own line, so a query
        # never matches across two fields.
        self._texts = [
            (
                household.household_id,
                "\n".join(
                    (
                        fold(household.household_id),
                        fold(household.head_name),
                        *(key for member in household.members for key in _member_keys(member)),
                    )
                ),
            )
            for household in households
        ]
        self._rejected_ids = [
            (r.household_id, fold(r.household_id)) for r in self.rejections.values()
        ]

    @classmethod
    def read(
        cls,
        path: Path | str,
        settings: Settings,
        encoding: str | None = None,
        today: dt.date | None = None,
    ) -> Directory:
        """Read the member file once; raises records.InputError when it cannot be read."""
        member_file = records.open_member_file(path, encoding)
        window = (settings.envelope.window_width_mm, settings.envelope.window_height_mm)
        households, rejections = records.read_all(
            member_file,
            fonts.coverage(),
            today or dt.date.today(),
            window,
            reference=settings.dates.reference,
        )
        return cls(households, rejections, member_file.warnings, member_file.encoding)

    def __len__(self) -> int:
        return len(self.households) + len(self.rejections) + len(self.unidentified)

    def household(self, household_id: str) -> Household | None:
        return self.households.get(household_id)

    def rejection(self, household_id: str) -> Rejection | None:
        return self.rejections.get(household_id)

    def with_warnings(self) -> list[Household]:
        return [household for household in self.households.values() if household.warnings]

    def search(self, query: str, limit: int = SEARCH_LIMIT) -> SearchResult:
        """Households and rejections whose id, name, kana or insured number contains `query`;
        an exact id first, then in file order."""
        wanted = fold(query[:MAX_QUERY_LENGTH])
        if not wanted:
            return SearchResult((), False)
        ids = [household_id for household_id, text in self._texts if wanted in text]
        ids += [household_id for household_id, folded in self._rejected_ids if wanted in folded]
        ids.sort(key=lambda household_id: fold(household_id) != wanted)  # stable: file order
        found = []
        for household_id in ids[:limit]:
            household = self.households.get(household_id)
            if household is None:
                found.append(Found(rejection=self.rejections[household_id]))
                continue
            member = next(
                (
                    member
                    for member in household.members
                    if member.name != household.head_name
                    and any(wanted in key for key in _member_keys(member))
                ),
                None,
            )
            found.append(Found(household=household, member=member))
        return SearchResult(tuple(found), len(ids) > limit)
