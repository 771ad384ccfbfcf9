"""What every reader returns, the options that bound its work, and the input problems it may report."""

from __future__ import annotations

from dataclasses import dataclass, field

from linter.model import Finding, Position, Record, Severity

MIB = 1024 * 1024


@dataclass(frozen=True)
class ReadOptions:
    """What to keep and the limits that protect the run."""

    tables: frozenset[str]  # tables some rule reads; records of other tables are not kept (payloads not parsed)
    max_bytes: int = 1024 * MIB  # a larger file is refused (SN002)
    max_depth: int = 500  # deeper element / mapping nesting is refused (SN002)
    oauth_fields: tuple[str, ...] = ("u_authorized_as",)


@dataclass(frozen=True)
class InlineIgnore:
    """A `# snlint: ignore[RULE,...] reason` comment: suppresses those rules on its line and the line below."""

    rules: tuple[str, ...]
    position: Position  # where the comment is
    reason: str


@dataclass
class ReadResult:
    records: list[Record] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    is_export: bool = True  # False: the file is not a ServiceNow export (skipped without a finding)
    ignores: list[InlineIgnore] = field(default_factory=list)


class InputProblem(Exception):
    """A file (or part of it) that cannot be read: becomes an SN001 (unparseable) or SN002 (refused) finding."""

    def __init__(self, rule: str, message: str, position: Position) -> None:
        super().__init__(message)
        self.rule = rule
        self.message = message
        self.position = position

    def finding(self) -> Finding:
        return Finding(self.rule, Severity.ERROR, self.message, self.position, key=f"{self.rule}:{self.position.path}")


def unparseable(message: str, position: Position) -> InputProblem:
    return InputProblem("SN001", message, position)


def refused(message: str, position: Position) -> InputProblem:
    return InputProblem("SN002", message, position)


def sniff_bytes(path: str, head: bytes) -> InputProblem | None:
    """Refuse what is not UTF-8 text, from a file's first bytes: UTF-16/32, binary (NUL bytes)."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        kind = "UTF-32" if head.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")) else "UTF-16"
        return refused(
            f"file is {kind}-encoded; ServiceNow exports are UTF-8: re-save it as UTF-8", Position(path, 1, 1)
        )
    nul = head.find(b"\x00")
    if nul >= 0:
        line = head.count(b"\n", 0, nul) + 1
        column = nul - (head.rfind(b"\n", 0, nul) + 1) + 1
        return refused("binary content (NUL byte): not a text export", Position(path, line, column))
    return None


def undecodable_at(path: str, data: bytes, line: int, column: int) -> InputProblem | None:
    """SN002 when `data` (bytes at a parser's error position) is binary or not UTF-8."""
    if b"\x00" in data[:4]:
        return refused("binary content (NUL byte): not a text export", Position(path, line, column))
    try:
        data[:4].decode("utf-8")
    except UnicodeDecodeError as error:
        if error.start == 0:
            return refused("undecodable text: not valid UTF-8 (re-save the file as UTF-8)", Position(path, line, column))
    return None
