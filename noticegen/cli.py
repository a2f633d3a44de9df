"""The command line (spec/cli.md): `noticegen render`, `check`, `voice-text`, `batch`, `preview`
and `barcode`.

Exit status: 0 done; 2 usage, configuration or unreadable input (one line on stderr, nothing
written); 3 done but some households were rejected; 1 an unexpected failure, naming what was being
processed. Messages and logs name households by id only.
"""

from __future__ import annotations

import argparse
import codecs
import datetime as dt
import errno
import logging
import os
import sys
import traceback
from pathlib import Path

from noticegen import (
    __version__,
    batch,
    catalog,
    fonts,
    i18n,
    notice,
    outputs,
    postal,
    progress,
    records,
    report,
    settings,
    voicecode,
)
from noticegen.printing import engine, render

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USAGE = 2
EXIT_REJECTED = 3
EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE, what a shell reports for `yes | head -1`
ENCODINGS = ("utf-8", "cp932")
# OS errors that are the operator's to fix (a full or read-only disk, no permission, a file where
# a folder should be): status 2 with one line, never a "bug".
OPERATOR_ERRNOS = {
    errno.ENOSPC,
    errno.EDQUOT,
    errno.EROFS,
    errno.EACCES,
    errno.EPERM,
    errno.ENOTDIR,
    errno.EISDIR,
    errno.EEXIST,
    errno.ENAMETOOLONG,
    errno.ENOENT,
}

log = logging.getLogger("noticegen")


class UsageError(Exception):
    """A mistake in how the command was called; reported in one line, exit status 2."""


def _encoding(name: str) -> str:
    """--encoding: utf-8 or cp932, however spelt (UTF8, ms932 …); anything else is refused."""
    try:
        found = codecs.lookup(name).name
    except LookupError:
        found = None
    if found not in ENCODINGS:
        raise argparse.ArgumentTypeError(f"{name!r}: use utf-8 or cp932")
    return found


def _at_least_one(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value}: must be at least 1")
    return value


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="noticegen",
        description="Generate the National Health Insurance 加入者情報のお知らせ from a member file.",
    )
    parser.add_argument("--version", action="version", version=f"noticegen {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def common(sub: argparse.ArgumentParser, with_input: bool = True) -> None:
        sub.add_argument(
            "--config",
            type=Path,
            metavar="FILE",
            help="municipality configuration (TOML); default: the shipped configuration",
        )
        if with_input:
            sub.add_argument("input", type=Path, metavar="INPUT", help="member file (CSV)")
            sub.add_argument(
                "--encoding",
                type=_encoding,
                metavar="NAME",
                help="override the detected encoding of INPUT (utf-8 or cp932)",
            )

    def one_household(sub: argparse.ArgumentParser) -> None:
        sub.add_argument(
            "--household", required=True, metavar="ID", help="the household's id (世帯番号)"
        )
        sub.add_argument(
            "--lang",
            metavar="CODE",
            help="one locale alone (default: the notice as mailed: Japanese, then the "
            "household's language when it has one)",
        )
        sub.add_argument(
            "--large-print", action="store_true", help="the large-print edition (body text 16 pt)"
        )

    render_cmd = commands.add_parser(
        "render", help="one household's notice, for a person to look at"
    )
    common(render_cmd)
    one_household(render_cmd)
    render_cmd.add_argument(
        "--format",
        choices=render.FORMATS,
        help="output format (default: from the file name's suffix, else pdf)",
    )
    render_cmd.add_argument(
        "-o", "--output", required=True, type=Path, metavar="PATH", help="the file to write"
    )

    voice_cmd = commands.add_parser(
        "voice-text", help="print the text each page's voice code carries"
    )
    common(voice_cmd)
    one_household(voice_cmd)
    voice_cmd.add_argument("--page", type=_at_least_one, metavar="N", help="only page N (from 1)")

    batch_cmd = commands.add_parser(
        "batch", help="the print vendor's run: every household into print-ready PDFs"
    )
    common(batch_cmd)
    batch_cmd.add_argument(
        "-o",
        "--output",
        required=True,
        type=Path,
        metavar="OUTDIR",
        help="the folder to write (new or empty; locked while the run lasts)",
    )
    batch_cmd.add_argument(
        "--workers", type=_at_least_one, default=1, metavar="N", help="worker processes (default 1)"
    )
    batch_cmd.add_argument(
        "--chunk-size",
        type=_at_least_one,
        default=batch.DEFAULT_CHUNK_SIZE,
        metavar="N",
        help=f"notices per PDF file (default {batch.DEFAULT_CHUNK_SIZE})",
    )
    batch_cmd.add_argument(
        "--resume",
        action="store_true",
        help="continue a stopped or killed run in OUTDIR (same INPUT, configuration and options)",
    )
    batch_cmd.add_argument(
        "--limit", type=_at_least_one, metavar="N", help="only the first N households of INPUT"
    )

    preview_cmd = commands.add_parser(
        "preview", help="the staff preview: one household's notice in the browser"
    )
    common(preview_cmd)
    preview_cmd.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on (default 127.0.0.1; any other needs an access token)",
    )
    preview_cmd.add_argument(
        "--port", type=int, default=8000, help="the port to listen on (default 8000)"
    )

    catalog_cmd = commands.add_parser(
        "catalog", help="the locale catalogs: extract, update, translate, check, status, compile"
    )
    common(catalog_cmd, with_input=False)
    catalog_cmd.add_argument(
        "action",
        choices=("extract", "update", "translate", "check", "status", "compile"),
        help="extract the words into the template; update the catalogs from it; translate "
        "(machine pre-fill, for review); check for release; status per locale; compile .mo files",
    )
    catalog_cmd.add_argument(
        "--locale",
        action="append",
        metavar="CODE",
        help="only this locale (repeatable; update, translate, check, status and compile)",
    )

    barcode_cmd = commands.add_parser(
        "barcode", help="the customer-barcode symbols for one address, to check a case by hand"
    )
    common(barcode_cmd, with_input=False)
    barcode_cmd.add_argument("postal_code", metavar="POSTAL_CODE", help="the postal code")
    barcode_cmd.add_argument("address", metavar="ADDRESS", help="the address line")
    barcode_cmd.add_argument(
        "address2", metavar="ADDRESS2", nargs="?", help="the second address line (building, room)"
    )

    site_cmd = commands.add_parser(
        "site", help="the translated web pages that explain the notice (no member file read)"
    )
    common(site_cmd, with_input=False)
    site_cmd.add_argument(
        "-o",
        "--output",
        required=True,
        type=Path,
        metavar="SITEDIR",
        help="the folder to write (new, empty, or one this command wrote before)",
    )
    site_cmd.add_argument(
        "--lang",
        action="append",
        metavar="CODE",
        help="only these locales (repeatable; default: Japanese and every release locale)",
    )

    check_cmd = commands.add_parser(
        "check", help="validate a member file: counts, warnings and rejections"
    )
    common(check_cmd)
    check_cmd.add_argument(
        "--report",
        type=Path,
        metavar="FILE",
        help="write the rejections as CSV (household_id,line,code,message)",
    )
    return parser


def _configure_logging() -> None:
    """noticegen's own log lines on stderr; the libraries' only when something is wrong."""
    if not log.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("noticegen: %(levelname)s: %(message)s"))
        log.addHandler(handler)
    log.setLevel(logging.INFO)
    log.propagate = False
    engine.quiet_logging()
    logging.getLogger("fontTools").setLevel(logging.WARNING)


def main(argv: list[str] | None = None) -> int:
    _configure_logging()
    args = _parser().parse_args(argv)
    context = f"noticegen {args.command}"
    try:
        status = _dispatch(args)
        sys.stdout.flush()  # a closed pipe is found here, not at exit
        return status
    except batch.Interrupted as stopped:
        print(
            f"noticegen: stopped by {stopped.signal_name}; no worker left running and the chunks "
            f"already written are kept: continue with the same command and --resume",
            file=sys.stderr,
        )
        return stopped.exit_status
    except KeyboardInterrupt:
        print("noticegen: stopped by SIGINT", file=sys.stderr)
        return 128 + 2
    except BrokenPipeError:
        # `noticegen catalog status | head -1`: the reader has what it wanted; no traceback.
        _discard_stdout()
        return EXIT_BROKEN_PIPE
    except (
        UsageError,
        records.InputError,
        settings.ConfigError,
        fonts.FontsMissingError,
        i18n.UnknownLocaleError,
        outputs.OutputError,
        voicecode.VoiceCodeError,
        postal.UnknownPostalCodeError,
        batch.BatchError,
        catalog.CatalogError,
    ) as error:
        print(f"noticegen: error: {error}", file=sys.stderr)
        return EXIT_USAGE
    except OSError as error:
        if error.errno not in OPERATOR_ERRNOS:
            return _unexpected(error, context)
        # A full or read-only disk, a missing permission: the operator's to fix, not a bug.
        where = f" {error.filename}" if error.filename else ""
        print(f"noticegen: error: cannot use{where}: {error.strerror}", file=sys.stderr)
        return EXIT_USAGE
    except Exception as error:  # a bug: say what was being done, but never echo data
        return _unexpected(error, context)


def _unexpected(error: Exception, context: str) -> int:
    where = getattr(error, "noticegen_context", context)
    print(
        f"noticegen: unexpected failure in {where}: {type(error).__name__} "
        "(set NOTICEGEN_DEBUG=1 for the traceback; please report it)",
        file=sys.stderr,
    )
    if os.environ.get("NOTICEGEN_DEBUG") == "1":
        traceback.print_exc()
    return EXIT_FAILURE


def _discard_stdout() -> None:
    """After a closed pipe, Python's own flush at exit would fail again: stdout goes nowhere."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):
        pass


def _dispatch(args: argparse.Namespace) -> int:
    if args.command == "render":
        return _render(args)
    if args.command == "check":
        return _check(args)
    if args.command == "voice-text":
        return _voice_text(args)
    if args.command == "barcode":
        return _barcode(args)
    if args.command == "preview":
        from noticegen import preview  # only this command needs the web framework

        return preview.serve(args.input, args.host, args.port, args.config, encoding=args.encoding)
    if args.command == "catalog":
        return _catalog(args)
    if args.command == "site":
        return _site(args)
    if args.command == "batch":
        return batch.run(
            batch.Options(
                input=args.input,
                outdir=args.output,
                config=args.config,
                workers=args.workers,
                chunk_size=args.chunk_size,
                resume=args.resume,
                limit=args.limit,
                encoding=args.encoding,
            )
        )
    raise AssertionError(f"unhandled command {args.command}")


def _load(args: argparse.Namespace) -> tuple[settings.Settings, records.MemberFile]:
    config = settings.load(args.config)
    member_file = records.open_member_file(args.input, args.encoding)
    for warning in member_file.warnings:
        log.warning("%s: %s", warning.code, warning.message_en)
    return config, member_file


def _outcomes(config: settings.Settings, member_file: records.MemberFile):
    window = (config.envelope.window_width_mm, config.envelope.window_height_mm)
    return records.read(
        member_file, fonts.coverage(), dt.date.today(), window, reference=config.dates.reference
    )


def _find(
    config: settings.Settings, member_file: records.MemberFile, household_id: str
) -> records.Household | records.Rejection:
    for outcome in _outcomes(config, member_file):
        if outcome.household_id == household_id:
            return outcome
    raise UsageError(f"household {household_id} is not in {member_file.path}")


def _report_rejected(rejection: records.Rejection) -> int:
    for problem in rejection.problems:
        print(f"{rejection.household_id}: {problem.code}: {problem.message}", file=sys.stderr)
    log.error("household %s is rejected; nothing written", rejection.household_id)
    return EXIT_REJECTED


def _notice(household: records.Household, config: settings.Settings, args: argparse.Namespace):
    # The encoder is made (and an external one tried) before any page is rendered.
    encoder = voicecode.encoder_for(config.voice_code)
    try:
        return notice.make_all(household, config, encoder, args.large_print, args.lang)
    except voicecode.VoiceCodeError:
        raise
    except Exception as error:
        error.noticegen_context = f"building the notice of household {household.household_id}"  # type: ignore[attr-defined]
        raise


def _render(args: argparse.Namespace) -> int:
    if args.lang is not None:
        i18n.translator(args.lang)  # an unknown locale is a usage error before any work
    config, member_file = _load(args)
    output_format = args.format or _format_from_suffix(args.output)
    outputs.check_writable(args.output)
    found = _find(config, member_file, args.household)
    if isinstance(found, records.Rejection):
        return _report_rejected(found)
    finished = _notice(found, config, args)
    try:
        if output_format == "html":
            data = render.html(finished).encode("utf-8")
        elif output_format == "png":
            data = render.png(finished)
        else:
            data = render.pdf(finished)
    except Exception as error:
        error.noticegen_context = f"rendering household {found.household_id}"  # type: ignore[attr-defined]
        raise
    outputs.write_private(args.output, data)
    log.info(
        "household %s: %s, %d pages, written to %s",
        found.household_id,
        output_format,
        sum(part.page_count for part in finished),
        args.output,
    )
    return EXIT_OK


def _voice_text(args: argparse.Namespace) -> int:
    """Each page's code texts, one code per line, pages separated by an empty line."""
    if args.lang is not None:
        i18n.translator(args.lang)
    config, member_file = _load(args)
    found = _find(config, member_file, args.household)
    if isinstance(found, records.Rejection):
        return _report_rejected(found)
    finished = _notice(found, config, args)
    all_codes = [codes for part in finished for codes in part.voice_codes]
    if args.page is not None and not 1 <= args.page <= len(all_codes):
        raise UsageError(f"--page {args.page}: the notice has pages 1 to {len(all_codes)}")
    pages = [
        "\n".join(codes.texts)
        for number, codes in enumerate(all_codes, start=1)
        if args.page in (None, number)
    ]
    print("\n\n".join(pages))
    return EXIT_OK


def _barcode(args: argparse.Namespace) -> int:
    """One line: the 20 data symbols and the check digit, or `none` for a representative code."""
    settings.load(args.config)
    symbols = postal.customer_barcode(args.postal_code, args.address, args.address2)
    print("none" if symbols is None else symbols.command_line_text())
    return EXIT_OK


def _catalog(args: argparse.Namespace) -> int:
    config = settings.load(args.config)
    only = args.locale  # --locale: every action but extract works on these catalogs alone
    if args.action == "extract":
        if only is not None:
            raise UsageError("--locale does not apply to extract: the template has no locale")
        template = catalog.extract()
        print(f"{catalog.template_path()}: {len([m for m in template if m.id])} messages")
    elif args.action == "update":
        for locale, to_review in catalog.update(only=only).items():
            print(f"{locale}: {to_review} entries to translate or review")
    elif args.action == "compile":
        for path in catalog.compile_catalogs(only=only):
            print(f"compiled {path}")
    elif args.action == "status":
        print(catalog.status_table(catalog.status(only=only)))
    elif args.action == "check":
        findings = catalog.check(only=only, config=config)
        for finding in findings:
            print(finding)
        print(f"{len(findings)} problems" if findings else "catalogs ready for release")
        return EXIT_REJECTED if findings else EXIT_OK
    else:
        options = config.translation
        provider = catalog.DeepTranslatorProvider(
            options.provider, options.source, os.environ.get(options.api_key_env) or None
        )
        reports = catalog.translate(
            provider,
            catalog.TranslateOptions(
                batch_size=int(options.batch_size),
                timeout_s=options.timeout_s,
                retries=int(options.retries),
                min_interval_s=options.min_interval_s,
            ),
            only=args.locale,
        )
        for report_line in reports:
            print(
                f"{report_line.locale}: {report_line.filled} filled (fuzzy, for review), "
                f"{report_line.failed} left empty after retries"
            )
    return EXIT_OK


def _site(args: argparse.Namespace) -> int:
    from noticegen import site

    written = site.build(args.output, settings.load(args.config), args.lang)
    print(f"{len(written)} files written to {args.output}")
    return EXIT_OK


def _format_from_suffix(path: Path) -> str:
    suffix = path.suffix.lower().lstrip(".")
    return {"htm": "html"}.get(suffix, suffix) if suffix in (*render.FORMATS, "htm") else "pdf"


def _check(args: argparse.Namespace) -> int:
    config, member_file = _load(args)
    if args.report is not None:
        outputs.check_writable(args.report)
    counts = report.Counts()
    rejections: list[records.Rejection] = []
    bar = progress.Progress(progress.count_lines(member_file.path), "rows checked")
    for outcome in _outcomes(config, member_file):
        bar.advance(outcome.rows)
        counts.add(outcome)
        for warning in outcome.warnings:
            print(f"warning: {outcome.household_id}: {warning.code}: {warning.message}")
        if isinstance(outcome, records.Rejection):
            rejections.append(outcome)
            for problem in outcome.problems:
                print(
                    f"rejected: {outcome.household_id or '(no id)'}: {problem.code}: {problem.message}"
                )
    bar.close()
    print(
        f"{member_file.path}: encoding {member_file.encoding}; "
        f"{counts.households} households ({counts.members} members): "
        f"{counts.accepted} accepted, {counts.rejected} rejected, {counts.warnings} warnings"
    )
    if args.report is not None:
        outputs.write_private(args.report, report.rejected_csv(rejections))
        print(f"report written to {args.report}")
    return EXIT_REJECTED if counts.rejected else EXIT_OK
