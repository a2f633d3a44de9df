"""What a reader of each language still meets in Japanese on the translated part of a mailed notice.

For every translated locale, the shipped sample households with the most members are given that
language and made as mailed (Japanese part, then the translated part). The translated part's HTML
is read back and every text run holding Japanese is sorted into:
- tagged: inside an element with lang="ja", put there on purpose (a name as registered, the office's
  name beside its translation for the counter's sign), which a screen reader reads in Japanese;
- untagged: Japanese a reader of the language was not meant to meet (each one is a defect);
and the translated part's voice texts are searched for Japanese a voice of that locale cannot read.

    .venv/bin/python bench/reader_language.py [--households 3] [--examples 3]

Japanese here means kana and, except for Chinese, the Han characters; for Chinese only kana count,
since Chinese is written in Han characters itself.
"""

from __future__ import annotations

import argparse
import collections
import dataclasses
import re

import lxml.html
import sample_data  # bench/sample_data.py, beside this script

from noticegen import i18n, locales, notice, settings, voicecode
from noticegen.printing import render


def japanese_pattern(locale: str) -> re.Pattern[str]:
    script = locales.get(locale).script
    # The product's character classes (noticegen.i18n), as runs.
    return re.compile(
        f"[{i18n.KANA}]+" if script in ("Hans", "Hant") else f"[{i18n.KANA}{i18n.HAN}]+"
    )


@dataclasses.dataclass
class Findings:
    tagged: collections.Counter = dataclasses.field(default_factory=collections.Counter)
    untagged: collections.Counter = dataclasses.field(default_factory=collections.Counter)
    spoken: collections.Counter = dataclasses.field(default_factory=collections.Counter)


def _language(element) -> str | None:
    while element is not None:
        lang = element.get("lang")
        if lang:
            return lang
        element = element.getparent()
    return None


def survey(markup: str, locale: str, findings: Findings) -> None:
    """Sort the Japanese runs of the translated pages (those whose page is in `locale`)."""
    japanese = japanese_pattern(locale)
    tag = locales.get(locale).bcp47
    tree = lxml.html.fromstring(markup)
    for page in tree.xpath("//div[contains(concat(' ', @class, ' '), ' page ')]"):
        if page.get("lang") != tag:
            continue
        for element in page.iter():
            if not isinstance(element.tag, str) or element.tag in ("style", "script"):
                continue
            for text in (element.text, *(child.tail for child in element)):
                if not text or not japanese.search(text):
                    continue
                run = " ".join(text.split())
                # A tail belongs to the parent's language, like the element's own text.
                if _language(element) == "ja":
                    findings.tagged[run] += 1
                else:
                    findings.untagged[run] += 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int, default=3)
    parser.add_argument("--examples", type=int, default=3)
    args = parser.parse_args()

    config = settings.load()
    households = sorted(
        sample_data.sample_households(config), key=lambda household: -len(household.members)
    )[: args.households]
    encoder = voicecode.QrEncoder()
    print(f"households: {', '.join(h.household_id for h in households)}")
    print("| locale | untagged Japanese runs | tagged ja runs | Japanese in voice texts |")
    print("|---|---|---|---|")
    for locale in locales.TRANSLATED:
        if locales.get(locale).is_japanese:
            continue
        findings = Findings()
        japanese = japanese_pattern(locale)
        for household in households:
            household = dataclasses.replace(household, language=locale)
            parts = notice.make_all(household, config, encoder)
            survey(render.html(parts, for_print=True), locale, findings)
            for text in parts[-1].voice_texts:
                findings.spoken.update(japanese.findall(text))

        def shown(counter: collections.Counter) -> str:
            if not counter:
                return "0"
            examples = "; ".join(f"「{run[:40]}」" for run, _ in counter.most_common(args.examples))
            return f"{sum(counter.values())}: {examples}"

        print(
            f"| {locale} | {shown(findings.untagged)} | {shown(findings.tagged)} "
            f"| {shown(findings.spoken)} |"
        )


if __name__ == "__main__":
    main()
