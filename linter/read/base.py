"""What every reader returns, the options that bound its work, and the input problems it may report."""

from __future__ import annotations

import re
from typing import NamedTuple

from linter.model import Finding, Position, Record, Severity
from linter.read.positions import line_column

MIB = 1024 * 1024
MAX_BYTES = 1024 * MIB  # the default limits of a run (configuration: max-file-size, max-depth)
MAX_DEPTH = 500


class ReadOptions(NamedTuple):
    """What to keep and the limits that protect the run."""

    tables: frozenset[str]  # tables some rule reads; records of other tables are not kept (payloads not parsed)
    max_bytes: int = MAX_BYTES  # a larger file is refused (SN002)
    max_depth: int = MAX_DEPTH  # deeper element / mapping nesting is refused (SN002)
    secret_fields: frozenset[str] = frozenset()  # redacted (linter/redact.py) before a result leaves the reader
    table_globs: tuple[tuple[str, str], ...] = ()  # (gitignore-style glob, table) for exports without their table
    table_root: str = "."  # the folder table_globs are relative to (the configuration's)


class InlineIgnore(NamedTuple):
    """An inline suppression: `# snlint: ignore[RULE,...] reason` in YAML, `<!-- snlint: ignore[RULE,...] reason -->`
    in XML. It suppresses those rules from its own line to `last_line`: by default its line and the line below; an
    XML comment standing before a `<sys_update_xml>` covers that whole update."""

    rules: tuple[str, ...]
    position: Position  # where the comment is
    reason: str
    last_line: int = 0  # the last line covered; 0: the line below the comment

    @property
    def lines(self) -> tuple[int, int]:
        """The first and last line covered."""
        return self.position.line, self.last_line or self.position.line + 1


_IGNORE = re.compile(r"\s*snlint:[ \t]*ignore\[([^\]\n]*)\]")


def inline_ignore(text: str, position: Position) -> InlineIgnore | None:
    """The suppression a comment's text (what follows `#` or `<!--`) asks for, or None when it is not one."""
    match = _IGNORE.match(text)
    if match is None:
        return None
    rules = tuple(part.strip().upper() for part in match.group(1).split(",") if part.strip())
    reason = " ".join(text[match.end() :].split()).lstrip(":-\u2013\u2014").strip()
    return InlineIgnore(rules, position, reason) if rules else None


class ReadResult:
    """What a reader made of one file (the readers fill it in as they go)."""

    __slots__ = ("findings", "ignores", "is_export", "reason", "records")

    def __init__(self, records: list[Record] | None = None, findings: list[Finding] | None = None,
                 is_export: bool = True, reason: str = "", ignores: list[InlineIgnore] | None = None) -> None:
        self.records: list[Record] = [] if records is None else records
        self.findings: list[Finding] = [] if findings is None else findings
        self.is_export = is_export  # False: the file is not a ServiceNow export (skipped without a finding)
        self.reason = reason  # why it is not an export (shown by --verbose)
        self.ignores: list[InlineIgnore] = [] if ignores is None else ignores

    def __eq__(self, other: object) -> bool:  # the C and pure-Python YAML parsers' results are compared in tests
        if not isinstance(other, ReadResult):
            return NotImplemented
        return all(getattr(self, name) == getattr(other, name) for name in self.__slots__)

    def __repr__(self) -> str:  # what a failing test shows
        return f"ReadResult({', '.join(f'{name}={getattr(self, name)!r}' for name in self.__slots__)})"


class InputProblem(Exception):
    """A file (or part of it) that cannot be read: becomes an SN001 (unparseable) or SN002 (refused) finding."""

    def __init__(self, kind: str, message: str, position: Position) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.position = position

    def finding(self) -> Finding:
        """A finding of the problem kind (ruleset.bind turns it into one of the rule that binds the kind)."""
        return Finding(self.kind, Severity.ERROR, self.message, self.position, key=self.position.path)


def unparseable(message: str, position: Position) -> InputProblem:
    return InputProblem("unparseable", message, position)


def refused(message: str, position: Position) -> InputProblem:
    return InputProblem("refused", message, position)


_WIDE_BOMS = (
    (b"\xff\xfe\x00\x00", "UTF-32"),
    (b"\x00\x00\xfe\xff", "UTF-32"),
    (b"\xff\xfe", "UTF-16"),
    (b"\xfe\xff", "UTF-16"),
)
_WIDE_STARTS = ((b"<\x00\x00\x00", "UTF-32"), (b"\x00\x00\x00<", "UTF-32"), (b"<\x00", "UTF-16"), (b"\x00<", "UTF-16"))
_WIDE_HEADS = tuple(head for head, _ in _WIDE_BOMS)  # the starts without a BOM hold a NUL


def sniff_bytes(path: str, head: bytes) -> InputProblem | None:
    """Refuse what is not UTF-8 text, from a file's first bytes: UTF-16/32 (with or without a BOM), NUL bytes."""
    nul = head.find(b"\x00")
    if nul < 0 and not head.startswith(_WIDE_HEADS):
        return None  # (most files: one look each)
    for bom, kind in _WIDE_BOMS:
        if head.startswith(bom):
            return refused(
                f"file is {kind}-encoded; ServiceNow exports are UTF-8: re-save it as UTF-8", Position(path, 1, 1)
            )
    for start, kind in _WIDE_STARTS:
        if head.startswith(start):
            return refused(
                f"file looks {kind}-encoded (no byte order mark); ServiceNow exports are UTF-8: re-save it as UTF-8",
                Position(path, 1, 1),
            )
    if nul >= 0:
        return refused("binary content (NUL byte): not a text export", byte_position(path, head, nul))
    return None


def byte_position(path: str, data: bytes, index: int) -> Position:
    """The Position of byte `index` of a file's bytes `data` (from its start): lines as XML and YAML count them,
    columns in characters, a UTF-8 BOM not counted (invalid UTF-8 before it counts as replacement characters)."""
    before = data[:index].decode("utf-8", "replace").removeprefix("\ufeff")
    line, column = line_column(before, len(before))
    return Position(path, line, column, line, column)


def undecodable_at(path: str, data: bytes, line: int, column: int) -> InputProblem | None:
    """SN002 when `data` (bytes at a parser's error position) is binary or not UTF-8."""
    if b"\x00" in data[:4]:
        return refused("binary content (NUL byte): not a text export", Position(path, line, column))
    try:
        data[:4].decode("utf-8")
    except UnicodeDecodeError as error:
        if error.start == 0:
            return refused(
                "undecodable text: not valid UTF-8 (re-save the file as UTF-8)", Position(path, line, column)
            )
    return None
