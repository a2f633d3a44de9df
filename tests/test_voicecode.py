"""The voice code encoders: the QR encoder, splitting long texts, and an external command."""

from __future__ import annotations

import base64
import csv
import html
import io
import json
import subprocess
import sys
import urllib.parse
from pathlib import Path

import pypdfium2
import pytest
import zxingcpp
from PIL import Image

from noticegen import i18n, notice, pagegeometry, project, settings, view, voicecode
from noticegen.printing import render
from noticegen.voice import spell_digits
from noticegen.voicecode import CommandEncoder, QrEncoder, VoiceCodeError
from tests.conftest import SAMPLE_UTF8
from tests.pdf_helpers import page_texts

DPI = 300
SHORT = "1ページ目。このページは、両面印刷のための白紙です。"
GUIDE_SENTENCES = (
    "マイナ保険証とは、健康保険証として使うための利用登録をしたマイナンバーカードのことです。",
    "利用登録は、次のどれかでできます。",
    "病院や薬局の受付にある顔認証付きカードリーダー。",
    "はじめて行く病院や薬局でも、その場で登録できます。",
    "病院や薬局の受付で、マイナ保険証を顔認証付きカードリーダーに置きます。",
    "画面の案内にしたがって操作すると、受付ができます。",
    "データの提供に同意すると、医師や薬剤師が、過去に処方された薬や特定健診の結果を見て診療できます。",
    "薬が重なって処方されることを防ぐなど、あなたに合った医療につながります。",
)


def japanese_text(length: int) -> str:
    """Whole sentences of plain Japanese, about `length` characters."""
    text = "2ページ目。"
    index = 0
    while len(text) < length:
        text += GUIDE_SENTENCES[index % len(GUIDE_SENTENCES)]
        index += 1
    return text


def member_sentences(count: int) -> list[str]:
    """Sentences like those of a member table, digits spelled, as many as asked."""
    sentences = []
    for index in range(count):
        number = f"{(index * 7919 + 1234567) % 10_000_000:07d}"
        sentences += [
            f"{index + 1}人目、ミホン タロウさん。",
            f"生年月日は、平成{index % 30 + 1}年{index % 12 + 1}月{index % 28 + 1}日。",
            f"被保険者証の記号は、板、番号は、{spell_digits(number)}。",
            f"マイナンバーの下4桁は、{spell_digits(number[-4:])}です。",
        ]
    return sentences


def long_page_text(page: int, length: int) -> str:
    opening = f"{page}ページ目。"
    sentences = member_sentences(200)
    text = opening
    for sentence in sentences:
        if len(text) >= length:
            break
        text += sentence
    return text


def modules(image: voicecode.CodeImage) -> int:
    return 17 + 4 * image.version


def decode_image(image: voicecode.CodeImage, dpi: int = DPI) -> list[zxingcpp.Result]:
    """Lay the code out as WeasyPrint does for the notice, rasterise at `dpi` and read it back."""
    weasyprint, font_config = render.ready()
    side = image.size_mm + 10
    markup = (
        "<!DOCTYPE html><html><head><style>"
        f"@page {{ size: {side}mm {side}mm; margin: 5mm }} body {{ margin: 0 }} "
        "img { display: block; image-rendering: pixelated }</style></head><body>"
        f'<img src="{html.escape(image.data_uri, quote=True)}" '
        f'style="width: {image.size_mm}mm; height: {image.size_mm}mm" alt="">'
        "</body></html>"
    )
    data = weasyprint.HTML(string=markup).write_pdf(font_config=font_config)
    document = pypdfium2.PdfDocument(data)
    try:
        bitmap = document[0].render(scale=dpi / 72)
        picture = bitmap.to_pil()
    finally:
        document.close()
    return zxingcpp.read_barcodes(picture, formats=zxingcpp.BarcodeFormat.QRCode)


# ---------------------------------------------------------------------------------------------
# QR codes


def test_short_text_gets_the_strongest_error_correction_and_a_small_symbol():
    image = QrEncoder().encode(SHORT)
    assert image.ec_level == "H"
    assert 1 <= image.version <= 5
    assert image.text == SHORT
    assert image.data_uri.startswith("data:image/png;base64,")


def test_long_japanese_text_fits_one_code_at_level_m_but_is_split_into_sturdier_codes():
    text = japanese_text(540)
    assert 540 <= len(text) <= 600
    image = QrEncoder().encode(text)
    assert image.ec_level == "M"  # never L: a phone misses most level-L codes (issue 15)
    assert image.version <= voicecode.MAX_VERSION <= 25
    assert image.text == text
    # Two codes of version 17 or less (modules of 0.34 mm or more) read better than one of 24, and
    # two leave room on the page: the encoder splits the page's text so.
    parts = QrEncoder().split(text, 2, i18n.translator())
    assert len(parts) == 2
    assert all(QrEncoder().encode(part).version <= voicecode.VERSION_TIERS[0] for part in parts)


def test_no_code_is_made_at_level_l():
    # Fits version 25 at level L only: the encoder makes no code of it rather than a weak one.
    text = japanese_text(700)
    assert voicecode.qr_symbol(text) is None
    assert voicecode.EC_LEVELS == ("H", "Q", "M")


@pytest.mark.parametrize(
    "text",
    [
        "あ",
        SHORT,
        japanese_text(100),
        japanese_text(300),
        japanese_text(540),
        "".join(member_sentences(8))[:500],
        "電話、03-3964-1111。ホームページ www.city.itabashi.tokyo.jp/ にあります。",
    ],
)
def test_module_and_symbol_sizes(text):
    image = QrEncoder().encode(text)
    module = image.size_mm / (modules(image) + 2 * voicecode.QUIET_ZONE_MODULES)
    assert module >= 0.25, (image.version, module)
    assert modules(image) * module <= 30.0 + 0.005, (image.version, modules(image) * module)
    assert image.size_mm == pytest.approx(
        (modules(image) + 8) * voicecode.module_mm(modules(image)), abs=0.001
    )
    assert image.size_mm <= pagegeometry.PAGE.code_area_mm  # quiet zone included
    # The PNG has one pixel per module, quiet zone included.
    picture = Image.open(io.BytesIO(base64.b64decode(image.data_uri.partition(",")[2])))
    assert picture.size == (modules(image) + 8, modules(image) + 8)


def test_every_code_of_the_samples_has_print_sizes_within_the_spec(
    sample_households, config, encoder
):
    translator = i18n.translator()
    count = 0
    for household in sample_households:
        finished = notice.make(household, config, translator, encoder)
        for codes in finished.voice_codes:
            for code in codes.codes:
                count += 1
                image = code.image
                module = image.size_mm / (modules(image) + 8)
                assert module >= 0.25, (household.household_id, image.version)
                assert modules(image) * module <= 30.0 + 0.005, household.household_id
                assert 1 <= image.version <= voicecode.MAX_VERSION
                assert image.ec_level in voicecode.EC_LEVELS
    assert count > 4 * len(sample_households)


@pytest.mark.parametrize(
    "text",
    [
        SHORT,
        japanese_text(540),
        "".join(member_sentences(8))[:500],
        # Digits, Latin letters and symbols: the encoder mixes segment modes.
        "1ページ目。電話、03-3964-1111。ホームページ www.city.itabashi.tokyo.jp/ にあります。",
        # Characters outside Shift_JIS (髙, 𠮷): byte mode, still read back exactly.
        "1ページ目。1人目、髙橋 𠮷男さん。",
    ],
)
def test_code_image_decodes_to_exactly_the_text(text):
    image = QrEncoder().encode(text)
    results = decode_image(image)
    assert [result.text for result in results] == [text]
    assert results[0].ec_level == image.ec_level


def test_data_uris_survive_a_browser():
    """A data: URL is parsed like any URL: a raw 「#」 starts the fragment, which browsers drop
    (WHATWG fetch, data: URL processor). The notice's HTML output must show the same codes."""
    image = QrEncoder().encode(SHORT)
    assert urllib.parse.urlsplit(image.data_uri).fragment == ""


# ---------------------------------------------------------------------------------------------
# Splitting a page's text over several codes


def _strip_markers(parts: tuple[str, ...], page: int) -> list[str]:
    bodies = []
    for number, part in enumerate(parts, start=1):
        head = f"{page}ページ目、その{number}。"
        assert part.startswith(head), (number, part[:30])
        body = part.removeprefix(head)
        if number < len(parts):
            tail = f"続きは、左どなりのコード、その{number + 1}にあります。"
            assert body.endswith(tail), (number, part[-40:])
            body = body.removesuffix(tail)
        else:
            assert "続きは、左どなりのコード" not in body
        bodies.append(body)
    return bodies


@pytest.mark.parametrize("page", [1, 2])
def test_a_long_text_is_split_at_sentence_ends_without_losing_anything(page):
    text = long_page_text(page, 2500)
    assert len(text) >= 2500
    encoder = QrEncoder()
    parts = encoder.split(text, page, i18n.translator())
    assert len(parts) >= 3
    bodies = _strip_markers(parts, page)
    assert f"{page}ページ目。" + "".join(bodies) == text
    for body in bodies:
        assert body and body.endswith("。")
    for part in parts:
        image = encoder.encode(part)
        assert image.text == part
        assert image.version <= voicecode.MAX_VERSION


def test_each_code_but_the_last_is_full():
    """As few codes as needed: no part could have taken the next sentence too."""
    page = 1
    text = long_page_text(page, 2500)
    parts = QrEncoder().split(text, page, i18n.translator())
    bodies = _strip_markers(parts, page)
    sentences = voicecode.split_sentences(text.removeprefix("1ページ目。"))
    position = 0
    for number, body in enumerate(bodies[:-1], start=1):
        taken = 0
        while "".join(sentences[position : position + taken]) != body:
            taken += 1
        position += taken
        bigger = (
            f"1ページ目、その{number}。"
            + body
            + sentences[position]
            + f"続きは、左どなりのコード、その{number + 1}にあります。"
        )
        assert voicecode.qr_symbol(bigger) is None, number


def test_a_split_text_decodes_part_by_part():
    text = long_page_text(1, 1700)
    encoder = QrEncoder()
    parts = encoder.split(text, 1, i18n.translator())
    assert len(parts) >= 2
    for part in parts:
        assert [result.text for result in decode_image(encoder.encode(part))] == [part]


# The splitting is tested with a capacity of its own (bytes of UTF-8), so that it holds whatever
# the QR encoder's settings make a code carry; the encoder's own splits are tested above.
CODE_BYTES = 900


def fits(text: str) -> bool:
    return len(text.encode("utf-8")) <= CODE_BYTES


def split(text: str, page: int = 1) -> tuple[str, ...]:
    return voicecode.split_text(text, page, i18n.translator(), fits)


def _longest(make) -> int:
    """The largest n for which a code holds make(n)."""
    return max(n for n in range(1, CODE_BYTES) if fits(make(n)))


def test_a_text_that_fits_is_one_part_unchanged():
    longest = "1ページ目。" + "あ" * _longest(lambda n: "1ページ目。" + "あ" * n)
    for text in (SHORT, longest):
        assert split(text) == (text,)
    assert len(split(longest + "い")) == 2


def test_a_sentence_longer_than_a_code_is_cut_at_its_commas_and_nothing_is_lost():
    clauses = "".join(f"{'あ' * 40}{number}、" for number in range(30))
    text = "1ページ目。短い文です。" + clauses + "終わり。最後の文です。"
    parts = split(text)
    bodies = _strip_markers(parts, 1)
    assert "1ページ目。" + "".join(bodies) == text
    assert all(fits(part) for part in parts)
    # Cut after a clause's comma, where a reader pauses anyway.
    assert all(body.endswith(("。", "、")) for body in bodies)
    # With no comma to cut at, between letters: never a text too long to print.
    letters = "1ページ目。" + "あ" * 3000 + "。"
    parts = split(letters)
    assert "1ページ目。" + "".join(_strip_markers(parts, 1)) == letters
    with pytest.raises(ValueError):
        QrEncoder().encode(letters)


def test_the_last_sentence_does_not_need_room_for_a_continuation():
    """The last code says no 「続きは…」, so a last sentence that fits a code on its own is no error."""
    last = "あ" * _longest(lambda n: "1ページ目、その2。" + "あ" * n + "。") + "。"
    text = "1ページ目。短い文です。" + last
    assert split(text) == ("1ページ目、その1。短い文です。続きは、左どなりのコード、その2にあります。",
                           "1ページ目、その2。" + last)  # fmt: skip


def test_parts_break_only_at_sentence_ends_not_inside_a_web_address():
    """「www.city.itabashi.tokyo.jp/」 is not three sentences: a code must not end inside it."""
    sentence = (
        "このお知らせの外国語による説明は、ホームページ www.city.itabashi.tokyo.jp/ にあります。"
    )
    broken = []
    # Paddings that put the first code's end before, inside and after the address.
    room = _longest(
        lambda n: "1ページ目、その1。" + "い" * n + "。続きは、左どなりのコード、その2にあります。"
    )
    for padding in range(room - 60, room + 2, 2):
        text = "1ページ目。" + "い" * padding + "。" + sentence + "う" * 200 + "。"
        bodies = _strip_markers(split(text), 1)
        assert "1ページ目。" + "".join(bodies) == text
        if any(not body.endswith("。") for body in bodies):
            broken.append((padding, [body[-24:] for body in bodies]))
    assert not broken, broken[:3]


def test_page_codes_order_labels_and_alt_texts():
    translator = i18n.translator()
    text = long_page_text(1, 1700)
    codes = voicecode.page_codes(text, 1, QrEncoder(), translator)
    count = len(codes.codes)
    assert count >= 2
    assert codes.printed == tuple(reversed(codes.codes))  # the first code is rightmost
    for number, code in enumerate(codes.codes, start=1):
        assert code.label == f"音声読み上げ用コード（QRコード）（その{number}）"
        assert "音声コード" in code.alt and f"その{number}" in code.alt
        assert "Uni-Voice" not in code.label
    single = voicecode.page_codes(SHORT, 4, QrEncoder(), translator)
    assert single.texts == (SHORT,)
    assert single.codes[0].label == "音声読み上げ用コード（QRコード）"


# ---------------------------------------------------------------------------------------------
# An external encoder


SVG_OUTPUT = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<svg xmlns="http://www.w3.org/2000/svg" width="18mm" height="18mm" viewBox="0 0 10 10">'
    '<rect width="10" height="10" fill="white"/><rect x="2" y="2" width="6" height="6"/></svg>\n'
)

RECORDER = """
import pathlib, sys
here = pathlib.Path(__file__).parent
data = sys.stdin.buffer.read()
(here / "last-input.bin").write_bytes(data)
with open(here / "inputs.log", "ab") as log:
    log.write(data + b"\\0")
"""

SCRIPTS = {
    "svg": RECORDER + f"sys.stdout.write({SVG_OUTPUT!r})\n",
    "png": RECORDER
    + """
import io
from PIL import Image
picture = Image.new("1", (64, 64), 1)
picture.paste(0, (8, 8, 56, 56))
buffer = io.BytesIO()
picture.save(buffer, format="PNG")
(here / "output.png").write_bytes(buffer.getvalue())
sys.stdout.buffer.write(buffer.getvalue())
""",
    "fail": RECORDER
    + 'print("starting", file=sys.stderr)\n'
    + 'print("licence expired", file=sys.stderr)\nsys.exit(3)\n',
    "garbage": RECORDER + 'sys.stdout.write("hello, this is not an image\\n")\n',
    # Works for the constructor's probe, fails on a page's text (a text too long for it).
    "fail-long": RECORDER
    + "if len(data.decode()) > 100:\n"
    + '    print("text too long", file=sys.stderr)\n    sys.exit(4)\n'
    + f"sys.stdout.write({SVG_OUTPUT!r})\n",
}


def script(tmp_path: Path, kind: str) -> Path:
    folder = tmp_path / kind
    folder.mkdir(exist_ok=True)
    path = folder / "encoder.py"
    path.write_text(SCRIPTS[kind], encoding="utf-8")
    return path


def inputs(path: Path) -> list[str]:
    log = path.parent / "inputs.log"
    if not log.exists():
        return []
    return [item.decode("utf-8") for item in log.read_bytes().split(b"\0")[:-1]]


def test_command_encoder_with_svg_output(tmp_path):
    path = script(tmp_path, "svg")
    encoder = CommandEncoder((sys.executable, str(path)), 18.0)
    assert len(inputs(path)) == 1  # the constructor tried the program once
    text = "1ページ目。1人目、髙橋 𠮷男さん。マイナンバーの下4桁は、4、8、2、1です。"
    image = encoder.encode(text)
    assert (path.parent / "last-input.bin").read_bytes() == text.encode("utf-8")
    assert image.data_uri.startswith("data:image/svg+xml;base64,")
    assert base64.b64decode(image.data_uri.partition(",")[2]).decode("utf-8") == SVG_OUTPUT
    assert image.size_mm == 18.0
    assert image.text == text
    assert (image.ec_level, image.version) == ("", 0)
    assert encoder.split(text, 1, i18n.translator()) == (text,)
    assert encoder.encode(text) is image  # cached: the program runs once per text
    assert inputs(path)[1:] == [text]


def test_command_encoder_with_png_output(tmp_path):
    path = script(tmp_path, "png")
    encoder = CommandEncoder((sys.executable, str(path)), 20.0)
    text = "2ページ目。マイナ保険証について。"
    image = encoder.encode(text)
    assert (path.parent / "last-input.bin").read_bytes() == text.encode("utf-8")
    assert image.data_uri.startswith("data:image/png;base64,")
    assert (
        base64.b64decode(image.data_uri.partition(",")[2])
        == (path.parent / "output.png").read_bytes()
    )
    assert image.size_mm == 20.0


def test_command_encoder_chosen_by_the_configuration(tmp_path):
    path = script(tmp_path, "svg")
    config_file = tmp_path / "config.toml"
    config_file.write_text(
        "[voice_code]\n"
        'encoder = "command"\n'
        f"command = [{json.dumps(sys.executable)}, {json.dumps(str(path))}]\n"
        "size_mm = 18.0\n",
        encoding="utf-8",
    )
    options = settings.load(config_file).voice_code
    encoder = voicecode.encoder_for(options)
    assert isinstance(encoder, CommandEncoder)
    assert encoder.name == "command"
    assert isinstance(voicecode.encoder_for(settings.load().voice_code), QrEncoder)


@pytest.mark.parametrize("program", ["noticegen-no-such-encoder", "/nonexistent/uni-voice"])
def test_missing_program_fails_at_construction(program):
    with pytest.raises(VoiceCodeError, match="not found"):
        CommandEncoder((program, "--size", "M"), 18.0)


def test_empty_command_fails_at_construction():
    with pytest.raises(VoiceCodeError):
        CommandEncoder((), 18.0)


def test_failing_program_fails_at_construction_with_its_status(tmp_path):
    path = script(tmp_path, "fail")
    with pytest.raises(VoiceCodeError) as caught:
        CommandEncoder((sys.executable, str(path)), 18.0)
    message = str(caught.value)
    assert "status 3" in message
    assert "licence expired" in message  # the program's last word, to say what went wrong
    assert "\n" not in message
    assert len(inputs(path)) == 1


def test_program_printing_garbage_fails(tmp_path):
    path = script(tmp_path, "garbage")
    with pytest.raises(VoiceCodeError, match="neither an SVG nor a PNG"):
        CommandEncoder((sys.executable, str(path)), 18.0)


def test_program_failing_on_a_page_text_fails_on_that_text(tmp_path):
    path = script(tmp_path, "fail-long")
    encoder = CommandEncoder((sys.executable, str(path)), 18.0)
    with pytest.raises(VoiceCodeError, match="status 4"):
        encoder.encode(japanese_text(300))


# ---------------------------------------------------------------------------------------------
# Through the command line


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "noticegen", *args],
        capture_output=True,
        text=True,
        cwd=project.ROOT,
        timeout=300,
    )


def command_config(tmp_path: Path, path: Path) -> Path:
    config_file = tmp_path / "config.toml"
    config_file.write_text(
        "[voice_code]\n"
        'encoder = "command"\n'
        f"command = [{json.dumps(sys.executable)}, {json.dumps(str(path))}]\n",
        encoding="utf-8",
    )
    return config_file


@pytest.fixture
def small_input(tmp_path) -> Path:
    """H0001 alone, with only the known columns: the run prints no input warnings."""
    with open(SAMPLE_UTF8, encoding="utf-8", newline="") as stream:
        rows = [row for row in csv.DictReader(stream) if row["household_id"] == "H0001"]
    columns = [name for name in rows[0] if name != "note"]
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, columns, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path = tmp_path / "members.csv"
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return path


def test_cli_renders_and_prints_voice_text_with_a_command_encoder(
    tmp_path, small_input, sample_households, config
):
    path = script(tmp_path, "svg")
    config_file = command_config(tmp_path, path)
    output = tmp_path / "H0001.pdf"
    result = run(
        "render",
        str(small_input),
        "--household",
        "H0001",
        "--config",
        str(config_file),
        "-o",
        str(output),
    )
    assert result.returncode == 0, result.stderr
    data = output.read_bytes()
    assert data.startswith(b"%PDF-")
    texts = page_texts(data)
    assert len(texts) == 6  # page 1, the check page, the guide, the reply form
    # An external encoder's code is not called a QR code.
    assert "音声読み上げ用コード" in texts[0]
    assert "QRコード）" not in "".join(texts).replace("外国語", "")
    # The program got each page's whole text (it owns its capacity: no splitting).
    (household,) = [h for h in sample_households if h.household_id == "H0001"]
    expected = view.build(household, config, i18n.translator()).voice_texts
    assert set(expected) <= set(inputs(path))

    printed = run(
        "voice-text", str(small_input), "--household", "H0001", "--config", str(config_file)
    )
    assert printed.returncode == 0, printed.stderr
    assert printed.stdout.removesuffix("\n").split("\n\n") == list(expected)
    page = run(
        "voice-text",
        str(small_input),
        "--household",
        "H0001",
        "--page",
        "3",
        "--config",
        str(config_file),
    )
    assert page.returncode == 0, page.stderr
    assert page.stdout == expected[2] + "\n"


@pytest.mark.parametrize("kind", ["fail", "garbage", "missing", "fail-long"])
def test_cli_render_with_a_broken_encoder_exits_2_and_writes_nothing(tmp_path, small_input, kind):
    if kind == "missing":
        config_file = tmp_path / "config.toml"
        config_file.write_text(
            '[voice_code]\nencoder = "command"\ncommand = ["noticegen-no-such-encoder"]\n',
            encoding="utf-8",
        )
    else:
        config_file = command_config(tmp_path, script(tmp_path, kind))
    output = tmp_path / "out.pdf"
    result = run(
        "render",
        str(small_input),
        "--household",
        "H0001",
        "--config",
        str(config_file),
        "-o",
        str(output),
    )
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("noticegen: error: voice code encoder")
    expected = {
        "fail": "status 3",
        "garbage": "neither an SVG nor a PNG",
        "missing": "not found",
        "fail-long": "status 4",
    }[kind]
    assert expected in lines[0]
    assert "Traceback" not in result.stderr
    assert not output.exists()
    assert list(tmp_path.glob("out*")) == []


def test_the_encoder_keeps_recent_codes_only():
    """A run's page 1 texts are all different: the cache must not grow with the run, while the
    pages every household shares stay encoded once."""
    encoder = voicecode.QrEncoder()
    shared = encoder.encode("2ページ目。マイナ保険証とは。")
    for number in range(voicecode.RECENT_CODES + 100):
        encoder.encode(f"1ページ目。世帯番号{number}。")
        assert encoder.encode("2ページ目。マイナ保険証とは。") is shared  # used on every notice
    assert len(encoder._cache) == voicecode.RECENT_CODES
