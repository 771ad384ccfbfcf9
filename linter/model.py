"""The data every stage shares: positions, field values, records, findings with their fixes, and rules (small
immutable objects: NamedTuples, not dataclasses, which cost start-up: tests/test_startup.py)."""

from __future__ import annotations

from collections.abc import Mapping
from enum import Enum
from typing import Any, NamedTuple

DOCS_URL = "https://github.com/snlint/snlint/blob/main/docs/rules.md#{anchor}"


class Severity(str, Enum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        return {"error": 3, "warning": 2, "info": 1}[self.value]


class Position(NamedTuple):
    """A place in an input file: 1-based line and column (characters, a BOM not counted)."""

    path: str
    line: int
    column: int
    end_line: int = 0
    end_column: int = 0

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.column}"

    @property
    def end(self) -> tuple[int, int] | None:
        """Where the text ends (line, exclusive column), when it is known and not before the start."""
        if self.end_line < self.line or self.end_column <= 0:
            return None
        if self.end_line == self.line and self.end_column < self.column:
            return None
        return self.end_line, self.end_column


class SecretForm(str, Enum):
    """What a secret field held, once its value is gone (linter/redact.py): all any rule may know of a secret."""

    NONE = ""  # not a secret field
    EMPTY = "empty"
    ENCRYPTED = "encrypted"  # in the key-management (KMF) envelope
    LEGACY = "legacy-encrypted"  # base64 of whole 64-bit cipher blocks: pre-KMF encryption, or an opaque random key
    PLAINTEXT = "plaintext"  # readable text, no envelope
    OPAQUE = "opaque"  # not readable text and not in an envelope (a damaged or forged envelope, binary junk)


class Value(NamedTuple):
    """One field value and where its text starts in the original file.

    For a secret field `text` is always empty and `secret` says what the value was: readers' results are
    redacted before anything else sees them, so no secret reaches a rule, a cache or an output."""

    text: str
    position: Position
    display: str | None = None  # a reference's display_value, when the export carries one
    secret: SecretForm = SecretForm.NONE


class Record:
    """A ServiceNow record as read from any container: table, sys_id and fields with positions.

    Mutable (the bundle numbers records in input order: `order`), so a plain class with slots."""

    __slots__ = ("deleted", "fields", "order", "position", "sys_id", "table", "updated_on")

    def __init__(self, table: str, sys_id: str, fields: dict[str, Value], position: Position, deleted: bool = False,
                 updated_on: str = "", order: int = 0) -> None:
        self.table = table
        self.sys_id = sys_id
        self.fields = fields
        self.position = position  # where the record starts (its element or mapping)
        self.deleted = deleted  # the update's `action` is DELETE
        self.updated_on = updated_on  # sys_updated_on, to order several updates of one record
        self.order = order  # file order, the tie-breaker

    def __eq__(self, other: object) -> bool:  # the readers' results are compared in tests (C and pure-Python YAML)
        if not isinstance(other, Record):
            return NotImplemented
        return all(getattr(self, name) == getattr(other, name) for name in self.__slots__)

    def __repr__(self) -> str:  # what a failing test shows
        return f"Record({', '.join(f'{name}={getattr(self, name)!r}' for name in self.__slots__)})"

    @property
    def path(self) -> str:
        return self.position.path

    def get(self, name: str) -> Value | None:
        return self.fields.get(name)

    def text(self, name: str) -> str:
        value = self.fields.get(name)
        return value.text if value is not None else ""

    @property
    def where(self) -> Value:
        """Where findings about the record point: its `name` value, else its `id`, else the record itself."""
        return self.fields.get("name") or self.fields.get("id") or Value("", self.position)

    @property
    def label(self) -> str:
        """How messages name this record: `name` (sys_id)."""
        name = self.text("name") or self.text("id")
        return f"'{name}' ({self.sys_id})" if name else f"({self.sys_id})"


class Related(NamedTuple):
    position: Position
    message: str


class Fix(NamedTuple):
    """What a finding's value should become: `value` over the span `position` (end exclusive).

    `replacement` is the text written over the span, escaped for its container; `prepare` fills it in (None until
    then). Reporters copy the span and the replacement."""

    position: Position
    value: str
    description: str
    replacement: str | None = None


class Finding(NamedTuple):
    """One problem: a rule, where it is, what to do. Never carries a secret value."""

    rule: str
    severity: Severity
    message: str
    position: Position
    related: tuple[Related, ...] = ()
    key: str = ""  # line-independent identity (record sys_ids and fields), for fingerprints and baselines
    record_ids: tuple[str, ...] = ()  # sys_ids / names the finding is about, for suppressions
    sensitive: bool = False  # the position is a secret value: never show its source line
    fix: Fix | None = None  # a safe edit that resolves it (linter/fix.py), when the rule has one

    def sort_key(self) -> tuple[str, int, int, str, str]:
        return (self.position.path, self.position.line, self.position.column, self.rule, self.message)


def fingerprint(finding: Finding) -> str:
    """A line-independent identity of a finding: the rule and the records and fields involved, hashed."""
    import hashlib

    return hashlib.sha256(f"{finding.rule}\x00{finding.key}".encode("utf-8", "surrogatepass")).hexdigest()[:32]


class Rule(NamedTuple):
    id: str
    name: str
    severity: Severity
    summary: str
    description: str
    check: Mapping[str, Any]
    references: tuple[str, ...] = ()
    source: str = "built-in"
    tags: tuple[str, ...] = ()  # SARIF tags (rule categories for code-scanning filters)
    sensitive: bool = False  # its findings point at secret values: never show their source line
    fix: str = ""  # the automatic fix the rule offers (`trim`), or none

    @property
    def help_uri(self) -> str:
        return DOCS_URL.format(anchor=f"{self.id.lower()}-{self.name}")

    @classmethod
    def from_data(cls, data: Mapping[str, Any], source: str) -> Rule:
        return cls(
            id=data["id"],
            name=data["name"],
            severity=Severity(data["severity"]),
            summary=data["summary"].strip(),
            description=data["description"].strip(),
            check=dict(data["check"]),
            references=tuple(data.get("references", ())),
            source=source,
            tags=tuple(data.get("tags", ())),
            sensitive=bool(data.get("sensitive", False)),
            fix=data.get("fix", ""),
        )

    def to_data(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "severity": self.severity.value,
            "summary": self.summary,
            "description": self.description,
            "references": list(self.references),
            "tags": list(self.tags),
            "sensitive": self.sensitive,
            "check": dict(self.check),
            **({"fix": self.fix} if self.fix else {}),
        }
