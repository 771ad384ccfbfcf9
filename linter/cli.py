"""The command line: argparse, subcommands (lint is the default; rules, explain, inventory) and exit codes.

Exit codes: 0 nothing at or above --fail-on; 1 findings at or above it; 2 usage error, invalid configuration or
an internal failure (never the number of findings).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from linter import __version__
from linter.model import Severity
from linter.report import FORMATS as REPORT_FORMATS

COMMANDS = ("lint", "rules", "explain", "inventory", "record", "server")
INVENTORY_FORMATS = ("text", "json", "markdown", "mermaid")
EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="snlint",
        description="Lint ServiceNow exports: Exchange Online spoke credentials (KB2663456) and credential hygiene.",
        epilog="Commands: lint (default) [PATH ...], rules, explain RULE, inventory [PATH ...]. "
        "Run 'snlint COMMAND --help' for a command's options.",
    )
    parser.add_argument("--version", action="version", version=f"snlint {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    def common(sub: argparse.ArgumentParser) -> None:
        sub.add_argument("--config", metavar="FILE", help="configuration file (default: .snlint.yaml or "
                         "[tool.snlint] in pyproject.toml, searched upward from the current directory)")
        sub.add_argument("--isolated", action="store_true", help="ignore all configuration files")
        sub.add_argument("--exclude", action="append", default=[], metavar="GLOB",
                         help="skip matching files, also when named explicitly (repeatable)")
        sub.add_argument("--no-context", action="store_true",
                         help="when files are given, do not read the rest of the repository to resolve references")
        sub.add_argument("--no-cache", action="store_true",
                         help="do not use or write the cache of context records (~/.cache/snlint)")
        sub.add_argument("--jobs", type=int, default=None, metavar="N", help="reader processes (default: auto)")
        sub.add_argument("--output", "-o", metavar="FILE", help="write the report to FILE instead of stdout")
        sub.add_argument("--color", choices=("auto", "always", "never"), default="auto",
                         help="color text output (default: auto; honours NO_COLOR and FORCE_COLOR)")
        sub.add_argument("--debug", action="store_true", help="show tracebacks of internal errors")

    lint = commands.add_parser("lint", help="lint files and folders (the default command)")
    lint.add_argument("paths", nargs="*", metavar="PATH", help="files or folders (default: .)")
    lint.add_argument("--format", "-f", choices=REPORT_FORMATS, default=None)
    lint.add_argument("--select", action="append", default=[], metavar="RULES",
                      help="only these rule ids or prefixes (comma-separated, repeatable)")
    lint.add_argument("--ignore", action="append", default=[], metavar="RULES",
                      help="skip these rule ids or prefixes (comma-separated, repeatable)")
    lint.add_argument("--fail-on", choices=("error", "warning", "info"), default=None,
                      help="lowest severity that makes the exit code 1 (default: error)")
    lint.add_argument("--baseline", metavar="FILE", help="report only findings not recorded in FILE")
    lint.add_argument("--write-baseline", metavar="FILE", help="record the current findings in FILE and exit 0")
    lint.add_argument("--fix", action="store_true", help="apply safe fixes (CRD004) to the files, then report "
                      "the findings that remain")
    lint.add_argument("--diff", action="store_true", help="print the safe fixes as a unified diff; write nothing")
    common(lint)

    rules = commands.add_parser("rules", help="list all rules (built-in and custom)")
    rules.add_argument("--format", "-f", choices=("text", "json"), default="text")
    common(rules)

    explain = commands.add_parser("explain", help="print a rule's full description")
    explain.add_argument("rule", metavar="RULE")
    common(explain)

    inventory = commands.add_parser("inventory", help="show the Exchange Online wiring snlint extracted")
    inventory.add_argument("paths", nargs="*", metavar="PATH", help="files or folders (default: .)")
    inventory.add_argument("--format", "-f", choices=INVENTORY_FORMATS, default="text")
    common(inventory)

    record = commands.add_parser("record", help="write the Microsoft account that authorised an OAuth 2.0 "
                                 "credential where the credential is defined")
    record.add_argument("credential", metavar="CREDENTIAL", help="sys_id or name of the OAuth 2.0 credential")
    account = record.add_mutually_exclusive_group(required=True)
    account.add_argument("--as", dest="account", metavar="UPN", help="the account that signed in at Get OAuth Token")
    account.add_argument("--from-token", metavar="FILE", help="read the account (upn or preferred_username, oid, "
                         "tid) from an ID token in FILE ('-': standard input); the token is not stored")
    record.add_argument("paths", nargs="*", metavar="PATH", help="files or folders (default: .)")
    common(record)

    commands.add_parser("server", help="run the language server (LSP over stdio) for editors; needs the "
                        "'server' extra (pip install 'snlint[server]')")
    return parser


def _split(values: Sequence[str]) -> tuple[str, ...]:
    return tuple(part.strip().upper() for value in values for part in value.split(",") if part.strip())


def use_color(choice: str, stream: object) -> bool:
    if choice != "auto":
        return choice == "always"
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return bool(getattr(stream, "isatty", lambda: False)())


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    if not arguments or (arguments[0] not in COMMANDS and arguments[0] not in ("-h", "--help", "--version")):
        arguments.insert(0, "lint")
    parser = _parser()
    options, extra = parser.parse_known_args(arguments)
    if extra and options.command == "record" and not any(item.startswith("-") for item in extra):
        options.paths += extra  # `record CREDENTIAL --as UPN PATH`: argparse leaves paths after an option over
    elif extra:
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    if options.command == "server":
        return _server()
    try:
        return _dispatch(options)
    except BrokenPipeError:
        return EXIT_ERROR
    except KeyboardInterrupt:
        return 130


def _settings(options: argparse.Namespace) -> object:
    from linter.config import ConfigError, load_settings

    try:
        settings = load_settings(options.config, isolated=options.isolated)
    except ConfigError as error:
        raise _UsageError(str(error)) from error
    updates: dict[str, object] = {}
    if getattr(options, "select", None):
        updates["select"] = _split(options.select)
    if getattr(options, "ignore", None):
        updates["ignore"] = tuple(settings.ignore) + _split(options.ignore)
    if getattr(options, "fail_on", None):
        updates["fail_on"] = Severity(options.fail_on)
    if options.exclude:
        updates["exclude"] = tuple(settings.exclude) + tuple(options.exclude)
    if options.jobs is not None:
        updates["jobs"] = options.jobs
    if options.no_cache:
        updates["cache"] = False
    for key, value in updates.items():
        setattr(settings, key, value)
    return settings


class _UsageError(Exception):
    pass


def emit(text: str, output: str | None) -> None:
    if output:
        from linter.report.files import write_atomic

        write_atomic(output, text)
    else:
        sys.stdout.write(text)
        sys.stdout.flush()


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
            from linter.inventory import command

            return command(options, settings)
        if options.command == "record":
            return _record(options, settings)
        return _lint(options, settings)
    except (_UsageError, RuleError) as error:
        print(f"snlint: error: {error}", file=sys.stderr)
        return EXIT_ERROR
    except Missing as error:
        print(f"snlint: error: {error}: no such file or directory", file=sys.stderr)
        return EXIT_ERROR
    except OSError as error:
        print(f"snlint: error: {error}", file=sys.stderr)
        return EXIT_ERROR


def _lint(options: argparse.Namespace, settings: object) -> int:
    from linter.engine import run
    from linter.settings import Settings

    assert isinstance(settings, Settings)
    result = run(options.paths, settings, use_context=not options.no_context, debug=options.debug)
    findings = result.findings
    if options.fix or options.diff:
        from linter.fix import apply_all, prepare, unified_diff, write_atomic_bytes

        prepared = prepare(findings)
        edited = apply_all(prepared)
        if options.diff:
            emit("".join(unified_diff(item) for item in edited), options.output)
            findings = [item for item in prepared if item.fix is None]
            failing = [item for item in findings if item.severity.rank >= settings.fail_on.rank]
            return EXIT_ERROR if result.internal_error else EXIT_FINDINGS if failing else EXIT_OK
        for item in edited:
            write_atomic_bytes(item.path, item.after)
        count = sum(len(item.fixes) for item in edited)
        print(f"snlint: fixed {count} finding(s) in {len(edited)} file(s)", file=sys.stderr)
        if edited:  # report what remains, from the files as they are now
            result = run(options.paths, settings, use_context=not options.no_context, debug=options.debug)
            findings = result.findings
    if options.write_baseline:
        from linter.baseline import write_baseline

        count = write_baseline(options.write_baseline, findings)
        print(f"snlint: wrote {count} finding(s) to baseline {options.write_baseline}", file=sys.stderr)
        return EXIT_ERROR if result.internal_error else EXIT_OK
    if options.baseline:
        from linter.baseline import BaselineError, filter_baseline

        try:
            findings, stale = filter_baseline(options.baseline, findings, result.scope)
        except BaselineError as error:
            raise _UsageError(str(error)) from error
        if stale:
            print(f"snlint: {stale} baseline entr{'y' if stale == 1 else 'ies'} no longer match a finding "
                  f"(refresh with --write-baseline)", file=sys.stderr)
    fmt = options.format or "text"
    stream = sys.stdout if not options.output else None
    if fmt == "text":
        from linter.report import text

        report = text.render(findings, result.files, color=use_color(options.color, stream))
    elif fmt == "json":
        from linter.fix import prepare
        from linter.report import json as json_report

        report = json_report.render(prepare(findings), result.files)
    elif fmt == "sarif":
        from linter.context import repository_root
        from linter.report import sarif

        root = settings.root if settings.config_path else (repository_root() or settings.root)
        from linter.fix import prepare

        report = sarif.render(prepare(findings), result.rules, root)
    elif fmt == "github":
        from linter.report import github

        report = github.render(findings)
    else:
        from linter.report import junit

        report = junit.render(findings, result.files)
    emit(report, options.output)
    if result.internal_error:
        return EXIT_ERROR
    failing = [item for item in findings if item.severity.rank >= settings.fail_on.rank]
    return EXIT_FINDINGS if failing else EXIT_OK


def _server() -> int:
    try:
        from linter.server import serve

        return serve()
    except ModuleNotFoundError as error:
        print(f"snlint: error: the language server needs pygls ({error}): pip install 'snlint[server]'",
              file=sys.stderr)
        return EXIT_ERROR


def _record(options: argparse.Namespace, settings: object) -> int:
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


def _rules(options: argparse.Namespace, settings: object) -> int:
    from linter.engine import load_rules
    from linter.settings import Settings

    assert isinstance(settings, Settings)
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


def _explain(options: argparse.Namespace, settings: object) -> int:
    from linter.engine import load_rules
    from linter.settings import Settings

    assert isinstance(settings, Settings)
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
