"""One lint run, end to end: discover -> read (records with positions) -> resolve -> check -> policy.

The command line, the pre-commit hook and `snlint inventory` all go through here, so they see the same inputs,
configuration and exclusions.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable, Mapping, Sequence
from typing import NamedTuple

from linter import checks, policy
from linter.buffers import Buffer, memory_file
from linter.discover import XML, Input, discover, display, kind_of
from linter.model import Finding, Position, Record, Rule, Severity
from linter.read.base import InlineIgnore, InputProblem, ReadOptions, ReadResult, refused, unparseable
from linter.redact import redact
from linter.resolve import Bundle, resolve
from linter.ruleset import (
    RuleError,
    bind,
    bound_rule,
    builtin_profile,
    builtin_rules,
    check_bindings,
    load_rule_paths,
)
from linter.settings import Settings
from linter.spoke import Profile

# Reader processes by default only where they pay (bench/README.md, "Reader processes"): on an idle 2-core machine
# `--jobs 2` read 20,000 files 27% faster than one process and 2,640 files no faster; the pool's fork and the
# records sent back cost what a second core saves below a few thousand files.
PARALLEL_MIN_FILES = 5_000
PARALLEL_MIN_CORES = 2
INTERNAL = "internal"  # the problem kind of snlint's own failures (rules/ binds it to a rule)
_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)  # once: a failing getattr is slow


class Run(NamedTuple):
    """What a run found: the reported findings, the files read, and whether snlint itself failed."""

    findings: list[Finding]
    files: int  # ServiceNow exports read (or files that could not be read)
    internal_error: bool
    bundle: Bundle | None
    context: checks.Context | None
    rules: dict[str, Rule]
    scope: list[str] | None  # the files linted when files were named (anything else read was context)
    looked_at: int  # input files considered (exports or not)
    skipped: list[tuple[str, str]]  # (path, reason): inputs that are not exports
    secret_fields: frozenset[str] = frozenset()  # every secret field name (of every rule, run or not)


def load_rules(settings: Settings) -> dict[str, Rule]:
    """Built-in and custom rules."""
    rules = builtin_rules()
    if settings.rule_paths:
        from pathlib import Path

        for rule_id, rule in load_rule_paths(Path(p) for p in settings.rule_paths).items():
            if rule_id in rules:
                raise RuleError(f"{rule.source}: rule id {rule_id} is a built-in rule; choose another id")
            rules[rule_id] = rule
        check_bindings(rules)
    return rules


def secret_fields(rules: Mapping[str, Rule], settings: Settings) -> frozenset[str]:
    """Every field a secret rule names (run or not) and the configured `secret-fields`: never kept in memory."""
    return checks.secret_fields(rules.values(), settings.secret_fields)


def make_profile(settings: Settings) -> Profile:
    data = builtin_profile()
    return Profile.from_data(
        data,
        oauth_fields=settings.oauth_fields or None,
        equivalent_domains=settings.equivalence_map() or None,
        alias_ids=(tuple(data["aliases"]["ids"]) + settings.alias_ids) if settings.alias_ids else None,
        alias_names=(tuple(data["aliases"]["names"]) + settings.alias_names) if settings.alias_names else None,
        mailbox_markers=(
            (tuple(data["aliases"]["mailbox"]) + settings.mailbox_aliases) if settings.mailbox_aliases else None
        ),
    )


def read_file(item: Input, options: ReadOptions, debug: bool = False, data: Buffer | None = None) -> ReadResult:
    """Read one input with the reader for its kind, secrets redacted; every failure becomes a finding.

    `data`, when given, is the input's content (standard input, an editor's unsaved buffer): it is read from
    memory (linter/buffers.py), never written to disk."""
    result = _read_file(item, options, debug, data)
    redact(result.records, options.secret_fields)
    return result


def _read_file(item: Input, options: ReadOptions, debug: bool, data: Buffer | None = None) -> ReadResult:
    path = item.path
    try:
        try:
            fd = os.open(path, _OPEN_FLAGS) if data is None else memory_file(data)
        except OSError as error:
            return _problem(unparseable(f"cannot read file: {error.strerror or error}", Position(path, 1, 1)))
        try:
            info = os.fstat(fd)
            if not stat.S_ISREG(info.st_mode):
                return _problem(refused("not a regular file (a FIFO, device or socket): refused", Position(path, 1, 1)))
            if not info.st_mode & (stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH):
                # nobody may read it: root could, but the outcome must not depend on who runs snlint
                return _problem(unparseable("cannot read file: Permission denied (no read permission is set on it)",
                                            Position(path, 1, 1)))
            if info.st_size > options.max_bytes:
                return _problem(
                    refused(f"file is {_size(info.st_size)}, over the {_size(options.max_bytes)} limit "
                            "(max-file-size): refused", Position(path, 1, 1))
                )
            if item.kind == XML:
                from linter.read.xml import read_xml

                return read_xml(path, options, fd, info.st_size)
            from linter.read.yaml import read_yaml

            return read_yaml(path, options, fd, info.st_size, explicit=item.explicit)
        finally:
            os.close(fd)
    except Exception as error:  # a bug in snlint: report it against the file, keep going
        if debug:
            import traceback

            traceback.print_exc()
        return ReadResult(findings=[_internal(path, error)])


def _size(count: int) -> str:
    for unit, scale in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if count >= scale:
            return f"{count / scale:.1f} {unit}".replace(".0 ", " ")
    return f"{count} bytes"


def _problem(problem: InputProblem) -> ReadResult:
    return ReadResult(findings=[problem.finding()])


def _internal(where: str, error: BaseException) -> Finding:
    return Finding(
        INTERNAL,
        Severity.ERROR,
        f"internal error while processing this file ({type(error).__name__}); please report it as a bug with "
        "the snlint version (run with --debug for the traceback)",
        Position(where, 1, 1),
        key=where,
    )


def _read_chunk(arguments: tuple[list[Input], ReadOptions, bool]) -> list[ReadResult]:
    items, options, debug = arguments
    return [read_file(item, options, debug) for item in items]


def read_all(items: Sequence[Input], options: ReadOptions, jobs: int = 0, debug: bool = False) -> list[ReadResult]:
    """Read every input, in parallel processes when there are many files and enough cores (or `jobs` says so).

    `jobs` (--jobs, config `jobs`) is capped at the number of cores: more processes than cores only add forks.
    """
    cores = os.cpu_count() or 1
    if jobs:
        workers = min(jobs, cores)
    else:
        many = cores >= PARALLEL_MIN_CORES and len(items) >= PARALLEL_MIN_FILES
        workers = min(cores, 4) if many else 1
    if workers <= 1 or len(items) < 2:
        return [read_file(item, options, debug) for item in items]
    import multiprocessing

    size = max(1, len(items) // (workers * 4))
    chunks = [(list(items[i : i + size]), options, debug) for i in range(0, len(items), size)]
    context = multiprocessing.get_context("fork" if hasattr(os, "fork") else "spawn")
    with context.Pool(workers) as pool:
        return [result for chunk in pool.map(_read_chunk, chunks) for result in chunk]


def run(
    paths: Sequence[str],
    settings: Settings,
    use_context: bool = True,
    debug: bool = False,
    buffers: Mapping[str, Buffer] | None = None,
) -> Run:
    """Lint `paths` (files or folders); findings are filtered and graded by `settings`.

    `buffers`: the content of named files that is not (or not as) on disk, by path: standard input linted as the
    file it names, an editor's unsaved text. They are read from memory, named explicitly, with the repository's
    other exports as context; the files of those names on disk are not read."""
    rules = load_rules(settings)
    policy.check_selectors(rules, settings)
    active = policy.active_rules(rules, settings)
    profile = make_profile(settings)
    options = ReadOptions(
        tables=checks.tables_read(active.values(), profile),
        max_bytes=settings.max_file_size,
        max_depth=settings.max_depth,
        secret_fields=secret_fields(rules, settings),
        table_globs=settings.tables,
        table_root=settings.root,
    )
    exclusion = settings.path_filter()
    memory = {display(path): buffer for path, buffer in (buffers or {}).items() if not exclusion.matches(path)}
    on_disk = [path for path in paths if path not in (buffers or {})]
    inputs = discover(on_disk or ["."], exclusion, settings.respect_gitignore) if on_disk or not buffers else []
    results = read_all(inputs, options, settings.jobs, debug)
    for path, buffer in memory.items():
        inputs.append(Input(path, kind_of(path), explicit=True))
        results.append(read_file(inputs[-1], options, debug, buffer))
    given = {item.path for item in inputs}
    reported: list[Finding] = []
    records: list[Record] = []
    own: dict[str, list[Record]] = {}  # the records of each input, by path
    ignores: list[InlineIgnore] = []
    exports = 0  # files that are ServiceNow exports (or could not be read): what the summary counts
    skipped: list[tuple[str, str]] = []
    for item, result in zip(inputs, results, strict=True):
        exports += result.is_export
        if not result.is_export:
            skipped.append((item.path, result.reason or "not a ServiceNow export"))
        records.extend(result.records)
        own.setdefault(item.path, []).extend(result.records)
        ignores.extend(result.ignores)
        reported.extend(result.findings)
    # Context is needed only when the named files hold a record some rule reads: every finding about records
    # points into a record, so named files without one cannot take part in a cross-file finding.
    named = any(item.explicit for item in inputs)
    in_context = use_context and named and bool(records)
    named_ids = {record.sys_id for record in records}
    if in_context:
        from linter.context import context_inputs, read_context

        # in the order of a run on the whole repository (records that tie resolve the same way)
        records = read_context(
            context_inputs(settings, list(own), exclusion),
            own,
            options,
            lambda items, opts: read_all(items, opts, settings.jobs, debug),
            use_cache=settings.cache,
        )
    bundle = resolve(records)
    context = checks.Context(bundle, profile, settings.secret_fields)
    kinds = checks.registry()
    internal = any(item.rule == INTERNAL for item in reported)
    for rule in active.values():
        try:
            found = list(kinds[rule.check["kind"]].check(rule, context))
        except Exception as error:
            if debug:
                import traceback

                traceback.print_exc()
            reported.append(_internal(rule.source if rule.source != "built-in" else f"rule {rule.id}", error))
            internal = True
            continue
        if in_context:
            found = [item for item in found if _touches(item, given, named_ids)]
        reported.extend(found)
    always = bound_rule(rules, INTERNAL)  # an internal error is reported whatever is selected
    findings = policy.apply(
        _unique(bind(reported, rules)), active, settings, ignores, whole_run=not named,
        always=frozenset({always.id} if always is not None else ()),
    )
    scope = sorted(given) if named else None
    return Run(findings, exports, internal, bundle, context, active, scope, len(inputs), skipped, options.secret_fields)


def _touches(finding: Finding, given: set[str], named_ids: set[str]) -> bool:
    """A finding the named files take part in: it points into one, or it rests on a record one defines (a
    connection re-pointed at another credential changes the verdict of a pair defined elsewhere)."""
    return (
        finding.position.path in given
        or any(other.position.path in given for other in finding.related)
        or not named_ids.isdisjoint(finding.record_ids)
    )


def _unique(findings: Iterable[Finding]) -> list[Finding]:
    seen: set[tuple[str, Position, str]] = set()
    unique = []
    for item in findings:
        key = (item.rule, item.position, item.message)
        if key not in seen:
            seen.add(key)
            unique.append(item)
    return unique


def read_options(settings: Settings | None = None) -> ReadOptions:
    """Read options that keep every table any built-in or configured rule reads."""
    settings = settings or Settings()
    rules = load_rules(settings)
    profile = make_profile(settings)
    return ReadOptions(
        tables=checks.tables_read(rules.values(), profile),
        max_bytes=settings.max_file_size,
        max_depth=settings.max_depth,
        secret_fields=secret_fields(rules, settings),
    )


def read_bytes(path: str, data: bytes, options: ReadOptions | None = None) -> ReadResult:
    """What the reader for `path`'s kind makes of `data` (secrets redacted), as if it were the file's content."""
    return read_file(Input(path, kind_of(path), explicit=True), options or read_options(), data=Buffer(data))
