"""The command line: argparse, subcommands (lint is the default; rules, explain, inventory) and exit codes.

Exit codes: 0 nothing at or above --fail-on; 1 findings at or above it; 2 usage error, invalid configuration or
an internal failure (never the number of findings).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, NoReturn

from linter import __version__
from linter.escape import printable
from linter.model import Severity
from linter.report import FORMATS as REPORT_FORMATS
from linter.report import emit, use_color

if TYPE_CHECKING:
    from linter.buffers import Buffer
    from linter.settings import Settings

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
DESCRIPTION = "Lint ServiceNow exports: Exchange Online spoke credentials (KB2663456) and credential hygiene."
OTHER_COMMANDS = (
    "other commands: snlint rules (all rules), snlint explain RULE, snlint inventory [PATH ...] (the Exchange "
    "Online wiring), snlint record CREDENTIAL --as UPN (write the account that authorised an OAuth 2.0 "
    "credential), snlint init (a starter .snlint.yaml), snlint server (the language server for editors); "
    "'snlint COMMAND --help' for their options"
)


def output_format(value: str) -> tuple[str, str | None]:
    """`--format NAME` or `--format NAME:FILE` (the report of that format written to FILE)."""
    name, colon, path = value.partition(":")
    if name not in REPORT_FORMATS:
        raise argparse.ArgumentTypeError(f"invalid format '{value}' (choose from {', '.join(REPORT_FORMATS)}; "
                                         "NAME:FILE writes that format to FILE)")
    if colon and not path:
        raise argparse.ArgumentTypeError(f"'{value}': a file name is missing after ':'")
    return name, path or None


def _width() -> int:
    """The width argparse wraps help to, found as argparse finds it (COLUMNS, else the terminal of standard output,
    else 80; less 2) but without shutil: argparse makes a formatter for every option added, and its
    `shutil.get_terminal_size` imported shutil (with bz2 and lzma), ~2.5 ms of every start."""
    try:
        columns = int(os.environ["COLUMNS"])
    except (KeyError, ValueError):
        columns = 0
    if columns <= 0:
        try:
            columns = os.get_terminal_size(sys.__stdout__.fileno()).columns  # type: ignore[union-attr]
        except (AttributeError, ValueError, OSError):  # no standard output, closed, or not a terminal
            columns = 0
    return (columns or 80) - 2


class _Formatter(argparse.HelpFormatter):
    def __init__(self, prog: str, indent_increment: int = 2, max_help_position: int = 24,
                 width: int | None = None) -> None:
        super().__init__(prog, indent_increment, max_help_position, _width() if width is None else width)


class _Parser(argparse.ArgumentParser):
    """argparse, with its usage errors (which quote the arguments) sanitised like every other message."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**{"formatter_class": _Formatter, **options})

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(EXIT_ERROR, f"{self.prog}: error: {printable(message)}\n")


if TYPE_CHECKING:
    Commands = argparse._SubParsersAction[_Parser]  # the subcommands of the top-level parser


def _parser(command: str) -> argparse.ArgumentParser:
    """The top-level parser (--version, and the usage that usage errors print) with the parser of `command` alone:
    building all seven commands' parsers cost ~4 ms of every start."""
    parser = _Parser(prog="snlint", description=DESCRIPTION, epilog=OTHER_COMMANDS)
    parser.add_argument("--version", action="version", version=f"snlint {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    if command in _PARSERS:
        _PARSERS[command](commands)
    return parser


def _common(sub: argparse.ArgumentParser) -> None:
    sub.add_argument("--config", metavar="FILE", help="configuration file (default: .snlint.yaml or "
                     "[tool.snlint] in pyproject.toml, searched upward from the current directory)")
    sub.add_argument("--isolated", action="store_true", help="ignore all configuration files")
    sub.add_argument("--exclude", action="append", default=[], metavar="GLOB",
                     help="skip matching files, also when named explicitly (repeatable; gitignore-style "
                     "globs relative to the current directory)")
    sub.add_argument("--respect-gitignore", action=argparse.BooleanOptionalAction, default=None,
                     help="in a git repository, read only the files git tracks or does not ignore "
                     "(default: yes; --no-respect-gitignore reads every file)")
    sub.add_argument("--no-context", action="store_true",
                     help="when files are given, do not read the rest of the repository to resolve references")
    sub.add_argument("--no-cache", action="store_true",
                     help="read and write no cache at all (~/.cache/snlint)")
    sub.add_argument("--jobs", type=int, default=None, metavar="N",
                     help="reader processes, at most one per core (default 0, auto: one, or one per core up "
                     "to 4 with 2+ cores and 5,000+ files)")
    sub.add_argument("--output", "-o", metavar="FILE", help="write the report to FILE instead of stdout")
    sub.add_argument("--color", choices=("auto", "always", "never"), default="auto",
                     help="color text output (default: auto; honours NO_COLOR and FORCE_COLOR)")
    sub.add_argument("--debug", action="store_true", help="show tracebacks of internal errors")


def _lint_parser(commands: Commands) -> None:
    lint = commands.add_parser("lint", help="lint files and folders (the default command)", prog="snlint",
                               description=DESCRIPTION, epilog=OTHER_COMMANDS)
    lint.add_argument("paths", nargs="*", metavar="PATH", help="files or folders (default: .); - reads standard "
                      "input (with --stdin-filename)")
    lint.add_argument("--format", "-f", "--output-format", type=output_format, action="append", default=[],
                      metavar="FORMAT[:FILE]",
                      help=f"{', '.join(REPORT_FORMATS)} (default: text); FORMAT:FILE writes it to FILE; repeatable "
                      "to write several formats in one run")
    lint.add_argument("--stdin-filename", metavar="NAME",
                      help="lint standard input (PATH -) as the file NAME: its reader, exclusions and repository "
                      "context are those of NAME")
    lint.add_argument("--quiet", "-q", action="store_true",
                      help="print the findings only (no summary line, no notices on standard error)")
    lint.add_argument("--verbose", "-v", action="store_true",
                      help="also list on standard error each file that was skipped, with the reason")
    lint.add_argument("--statistics", action="store_true",
                      help="print the number of findings per rule instead of the findings (text output)")
    lint.add_argument("--require-exports", action="store_true",
                      help="exit 1 when no input file is a ServiceNow export (a path or exclusion that matches "
                      "nothing)")
    lint.add_argument("--select", action="append", default=[], metavar="RULES",
                      help="only these rule ids or prefixes (comma-separated, repeatable)")
    lint.add_argument("--ignore", action="append", default=[], metavar="RULES",
                      help="skip these rule ids or prefixes (comma-separated, repeatable)")
    lint.add_argument("--fail-on", choices=("error", "warning", "info"), default=None,
                      help="lowest severity that makes the exit code 1 (default: error)")
    lint.add_argument("--baseline", metavar="FILE", help="report only findings not recorded in FILE")
    lint.add_argument("--write-baseline", metavar="FILE", help="record the current findings in FILE and exit 0")
    lint.add_argument("--fix", action="store_true", help="apply the safe fixes rules offer (see snlint rules), "
                      "then report the findings that remain")
    lint.add_argument("--diff", action="store_true", help="print the safe fixes as a unified diff; write nothing")
    _common(lint)


def _rules_parser(commands: Commands) -> None:
    rules = commands.add_parser("rules", help="list all rules (built-in and custom)")
    rules.add_argument("--format", "-f", choices=("text", "json"), default="text", help="(default: text)")
    _common(rules)


def _explain_parser(commands: Commands) -> None:
    explain = commands.add_parser("explain", help="print a rule's full description")
    explain.add_argument("rule", metavar="RULE")
    _common(explain)


def _inventory_parser(commands: Commands) -> None:
    from linter.inventory import FORMATS as INVENTORY_FORMATS  # only when this command's parser is built

    inventory = commands.add_parser("inventory", help="show the Exchange Online wiring snlint extracted")
    inventory.add_argument("paths", nargs="*", metavar="PATH", help="files or folders (default: .)")
    inventory.add_argument("--format", "-f", choices=INVENTORY_FORMATS, default="text",
                           help="(default: text); markdown for a pull-request comment or job summary, mermaid "
                           "for a flowchart")
    _common(inventory)


def _init_parser(commands: Commands) -> None:
    about = ("write a commented starter .snlint.yaml and print the pre-commit and GitHub Actions snippets "
             "(never overwrites)")
    init = commands.add_parser("init", help=about, description=about)
    init.add_argument("file", nargs="?", default=".snlint.yaml", metavar="FILE",
                      help="the configuration file to write (default: .snlint.yaml)")


def _record_parser(commands: Commands) -> None:
    about = "write the Microsoft account that authorised an OAuth 2.0 credential where the credential is defined"
    record = commands.add_parser("record", help=about, description=about)
    record.add_argument("credential", metavar="CREDENTIAL", help="sys_id or name of the OAuth 2.0 credential")
    account = record.add_mutually_exclusive_group(required=True)
    account.add_argument("--as", dest="account", metavar="UPN", help="the account that signed in at Get OAuth Token")
    account.add_argument("--from-token", metavar="FILE", help="read the account (upn or preferred_username, oid, "
                         "tid) from an ID token in FILE ('-': standard input); the token is not stored")
    record.add_argument("paths", nargs="*", metavar="PATH", help="files or folders (default: .)")
    _common(record)


def _server_parser(commands: Commands) -> None:
    about = ("run the language server (LSP over stdio) for editors; needs the 'server' extra "
             "(pip install 'snlint[server]')")
    commands.add_parser("server", help=about, description=about)


_PARSERS: dict[str, Callable[[Commands], None]] = {
    "lint": _lint_parser,
    "rules": _rules_parser,
    "explain": _explain_parser,
    "inventory": _inventory_parser,
    "init": _init_parser,
    "record": _record_parser,
    "server": _server_parser,
}
COMMANDS = tuple(_PARSERS)


def _split(values: Sequence[str]) -> tuple[str, ...]:
    return tuple(part.strip().upper() for value in values for part in value.split(",") if part.strip())


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    if not arguments or (arguments[0] not in COMMANDS and arguments[0] != "--version"):
        arguments.insert(0, "lint")  # `snlint --help` is the lint command's help (it lists the other commands)
    for stream in (sys.stdout, sys.stderr):  # a last resort: the reporters already escape what cannot be encoded
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")
    parser = _parser(arguments[0])
    options, extra = parser.parse_known_args(arguments)
    if extra and options.command == "record" and not any(item.startswith("-") for item in extra):
        options.paths += extra  # `record CREDENTIAL --as UPN PATH`: argparse leaves paths after an option over
    elif extra:
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    if options.command == "server":
        return _server()
    try:
        if options.command == "init":
            from linter.init import init

            return init(options.file)
        return _dispatch(options)
    except BrokenPipeError:  # `snlint ... | head`: the reader left; no traceback
        return EXIT_ERROR
    except KeyboardInterrupt:
        return 130


def _settings(options: argparse.Namespace) -> Settings:
    """The configuration's settings with the command line's options on top."""
    from linter.config import ConfigError, load_settings

    try:
        settings = load_settings(options.config, isolated=options.isolated, use_cache=not options.no_cache)
    except ConfigError as error:
        raise _UsageError(str(error)) from error
    if getattr(options, "select", None):
        settings = settings._replace(select=_split(options.select))
    if getattr(options, "ignore", None):
        settings = settings._replace(ignore=settings.ignore + _split(options.ignore))
    if getattr(options, "fail_on", None):
        settings = settings._replace(fail_on=Severity(options.fail_on))
    if getattr(options, "require_exports", False):
        settings = settings._replace(require_exports=True)
    if options.exclude:
        settings = settings._replace(exclude_here=tuple(options.exclude))
    if options.jobs is not None:
        settings = settings._replace(jobs=options.jobs)
    if options.no_cache:
        settings = settings._replace(cache=False)
    if options.respect_gitignore is not None:
        settings = settings._replace(respect_gitignore=options.respect_gitignore)
    return settings


class _UsageError(Exception):
    pass


def say(message: str) -> None:
    """A message for people on standard error, sanitised like every human-readable output."""
    print("snlint: " + "\n".join(map(printable, message.split("\n"))), file=sys.stderr)  # lines stay lines


def _dispatch(options: argparse.Namespace) -> int:
    from linter.discover import Missing
    from linter.ruleset import RuleError

    try:
        settings = _settings(options)
        if options.command == "rules":
            return _rules(options, settings)
        if options.command == "explain":
            return _explain(options, settings)
        if options.command == "inventory":
            from linter.inventory.command import command

            return command(options, settings)
        if options.command == "record":
            return _record(options, settings)
        return _lint(options, settings)
    except (_UsageError, RuleError) as error:
        say(f"error: {error}")
        return EXIT_ERROR
    except Missing as error:
        say(f"error: {error}: no such file or directory")
        return EXIT_ERROR
    except OSError as error:
        where = f"{error.filename}: " if error.filename else ""
        say(f"error: {where}{error.strerror or error}")
        return EXIT_ERROR


def _destinations(options: argparse.Namespace) -> list[tuple[str, str | None]]:
    """Each requested format and where it goes (a file, or None for standard output)."""
    formats: list[tuple[str, str | None]] = options.format or [("text", None)]
    targets = [(name, path or options.output) for name, path in formats]
    seen: set[str | None] = set()
    for _, target in targets:
        if target in seen:
            raise _UsageError(f"two formats would both be written to {target or 'standard output'}; give each "
                              "format its own file (--format NAME:FILE)")
        seen.add(target)
    return targets


def _stdin(options: argparse.Namespace, limit: int) -> dict[str, Buffer] | None:
    """Standard input, when it is to be linted (PATH -), by the name it is linted as: kept up to one byte over the
    size limit, the rest counted (so the reader refuses it, SN002, with its real size) and drained (the writer is
    not cut off)."""
    from linter.buffers import Buffer

    if "-" not in options.paths:
        if options.stdin_filename:
            raise _UsageError("--stdin-filename needs the path - (standard input)")
        return None
    if options.paths != ["-"]:
        raise _UsageError("the path - (standard input) cannot be combined with other paths")
    if not options.stdin_filename:
        raise _UsageError("reading standard input (-) needs --stdin-filename NAME (its name picks the reader and "
                          "the repository context)")
    if not hasattr(os, "memfd_create"):
        raise _UsageError("reading standard input needs an in-memory file (Linux); snlint never writes it to disk")
    data = sys.stdin.buffer.read(limit + 1)
    size = len(data)
    while chunk := sys.stdin.buffer.read(1 << 20):
        size += len(chunk)
    return {options.stdin_filename: Buffer(data, size)}


_FIX_FORMATS = frozenset({"json", "sarif"})  # the reports that carry each fix


def _lint(options: argparse.Namespace, settings: Settings) -> int:
    from linter import gitfiles

    walks = any(os.path.isdir(path) for path in options.paths or ["."] if path != "-")
    if settings.respect_gitignore and (walks or not options.no_context):
        gitfiles.prefetch()  # git lists the repository on another core while the run loads (bench/README.md)
    try:
        return _lint_run(options, settings)
    finally:
        gitfiles.cancel()


def _lint_run(options: argparse.Namespace, settings: Settings) -> int:
    from linter.engine import run
    from linter.gitfiles import repository_root
    from linter.report import Report, Skipped, renderer

    destinations = _destinations(options)
    stdin = _stdin(options, settings.max_file_size)
    if stdin and (options.fix or options.diff):
        raise _UsageError("--fix and --diff work on files, not standard input")
    paths = [] if stdin else options.paths
    result = run(paths, settings, use_context=not options.no_context, debug=options.debug, buffers=stdin)
    findings = result.findings
    # The text each fix writes, only where it is used: preparing reads and re-reads each file (about 10x its size in
    # memory for one fix inside a 50 MB payload), which a text run need not pay.
    carried = options.fix or options.diff or any(name in _FIX_FORMATS for name, _ in destinations)
    if carried and any(item.fix is not None for item in findings):
        from linter.fix import prepare

        findings = prepare(findings, {path: buffer.data for path, buffer in (stdin or {}).items()})
    if options.fix or options.diff:
        from linter.files import rewrite
        from linter.fix import apply_all, unified_diff

        edited = apply_all(findings)
        if options.diff:
            emit("".join(unified_diff(item) for item in edited), options.output)
            findings = [item for item in findings if item.fix is None]
            failing = [item for item in findings if item.severity.rank >= settings.fail_on.rank]
            return EXIT_ERROR if result.internal_error else EXIT_FINDINGS if failing else EXIT_OK
        for item in edited:
            rewrite(item.path, item.after)
        count = sum(len(item.fixes) for item in edited)
        print(f"snlint: fixed {count} finding(s) in {len(edited)} file(s)", file=sys.stderr)
        if edited:  # report what remains, from the files as they are now
            result = run(options.paths, settings, use_context=not options.no_context, debug=options.debug)
            findings = result.findings
    if options.write_baseline:
        from linter.baseline import write_baseline

        count = write_baseline(options.write_baseline, findings)
        say(f"wrote {count} finding(s) to baseline {options.write_baseline}")
        return EXIT_ERROR if result.internal_error else EXIT_OK
    if options.baseline:
        from linter.baseline import BaselineError, filter_baseline

        try:
            findings, stale = filter_baseline(options.baseline, findings, result.scope)
        except BaselineError as error:
            raise _UsageError(str(error)) from error
        if stale and not options.quiet:
            say(f"{stale} baseline entr{'y' if stale == 1 else 'ies'} no longer match a finding "
                "(refresh with --write-baseline)")
    rules = {rule_id: rule._replace(severity=settings.severity.get(rule_id, rule.severity))
             for rule_id, rule in result.rules.items()}
    report = Report(
        findings=findings,
        files=result.files,
        looked_at=result.looked_at,
        skipped=tuple(Skipped(path, reason) for path, reason in result.skipped),
        rules=rules,
        root=settings.root if settings.config_path else (repository_root() or settings.root),
        fail_on=settings.fail_on,
        secret_fields=result.secret_fields,
        internal_error=result.internal_error,
        quiet=options.quiet,
    )
    for name, target in destinations:
        if name == "text" and options.statistics:
            from linter.report.text import statistics

            emit(statistics(report), target)
            continue
        color = name == "text" and use_color(options.color, None if target else sys.stdout)
        emit(renderer(name)(report._replace(color=color)), target)
    if options.verbose:
        for skipped in report.skipped:
            say(f"{skipped.path}: skipped: {skipped.reason}")
    no_export = result.files == 0
    human = any(name == "text" for name, _ in destinations)  # machine formats carry it in their summary
    if no_export and (settings.require_exports or (human and not options.quiet)):
        say(f"no ServiceNow export found ({result.looked_at} file(s) looked at, {len(result.skipped)} skipped)")
    if result.internal_error:
        return EXIT_ERROR
    if no_export and settings.require_exports:
        return EXIT_FINDINGS
    failing = [item for item in findings if report.failing(item)]
    return EXIT_FINDINGS if failing else EXIT_OK


def _server() -> int:
    try:
        from linter.server import serve

        return serve()
    except ModuleNotFoundError as error:
        print(f"snlint: error: the language server needs pygls ({error}): pip install 'snlint[server]'",
              file=sys.stderr)
        return EXIT_ERROR


def _record(options: argparse.Namespace, settings: Settings) -> int:
    from linter.record import Account, RecordError, account_from_token, read_token, record

    try:
        if options.from_token:
            account = account_from_token(read_token(options.from_token))
        else:
            if not options.account.strip():
                raise RecordError("--as: give the account's UPN")
            account = Account((("upn", options.account.strip()),), from_token=False)
        print(record(options.credential, account, options.paths, settings), end="", file=sys.stderr)
    except RecordError as error:
        raise _UsageError(str(error)) from error
    return EXIT_OK


def _rules(options: argparse.Namespace, settings: Settings) -> int:
    from linter.engine import load_rules
    rules = load_rules(settings)
    if options.format == "json":
        import json

        data = [{**rule.to_data(), "source": rule.source, "help_uri": rule.help_uri} for rule in rules.values()]
        emit(json.dumps(data, indent=2, ensure_ascii=False) + "\n", options.output)
        return EXIT_OK
    width = max(len(rule.name) for rule in rules.values())
    lines = [f"{'RULE':<7} {'SEVERITY':<8} {'NAME':<{width}} SUMMARY"]
    for rule in sorted(rules.values(), key=lambda r: r.id):
        severity = settings.severity.get(rule.id, rule.severity).value
        lines.append(f"{rule.id:<7} {severity:<8} {rule.name:<{width}} {rule.summary}")
    emit("\n".join(lines) + "\n", options.output)
    return EXIT_OK


def _explain(options: argparse.Namespace, settings: Settings) -> int:
    from linter.engine import load_rules
    rules = load_rules(settings)
    wanted = options.rule.strip().upper()
    rule = rules.get(wanted) or next((r for r in rules.values() if r.name == options.rule.strip()), None)
    if rule is None:
        raise _UsageError(f"unknown rule '{options.rule}' (see 'snlint rules')")
    lines = [
        f"{rule.id} {rule.name} ({rule.severity.value})",
        "",
        rule.summary,
        "",
        rule.description,
    ]
    if rule.references:
        lines += ["", "References:", *(f"  - {reference}" for reference in rule.references)]
    lines += ["", f"Documentation: {rule.help_uri}", f"Defined in: {rule.source}"]
    emit("\n".join(lines) + "\n", options.output)
    return EXIT_OK
