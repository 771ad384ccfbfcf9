"""YAML and Table-API JSON credential exports: records whose every value knows its line and column.

The format is documented in docs/credential-exports.md and shipped as a JSON Schema
(linter/schemas/credential-export.schema.json):
- a mapping from table name to a list of records, or the Table API's own response `{"result": [...]}` (each
  record's table is its `sys_class_name`, which wins over the list's table name in the first form too);
- a field value is text (numbers and booleans become ServiceNow's text: `100`, `true`), a reference object
  `{value, display_value, link}` (read as the sys_id in `value`, its display_value kept), or a list of sys_ids
  (read as ServiceNow's comma-separated glide_list);
- `authorized_as` on an OAuth 2.0 credential: a UPN, or a mapping `{upn, oid, tid, preferred_username}` read as
  the fields `authorized_as.upn`, `authorized_as.oid`, ...;
- `action: DELETE` marks a deleted record; `sys_updated_on` orders several versions of one record.

Positions (1-based) point at the first character of a value as written: the opening quote of a quoted scalar,
the `|` or `>` of a block scalar, the `[` or first `-` of a list, the sys_id (`value`) of a reference object; an
empty (null) value points at its key. End positions are exclusive.

Whether a file is an export at all is decided before ruamel.yaml or jsonschema is imported: JSON is looked at with
the standard library, YAML by its top-level keys. A file that is not an export (a CI configuration, a
package.json) is skipped without a finding. Schema violations are SN003 findings, unreadable text SN001, refused
input (anchors and aliases, nesting deeper than the limit, UTF-16, binary) SN002. A value is never echoed in a
message when its field looks like a secret.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from linter.model import Finding, Position, Record, Severity, Value
from linter.read.base import (
    InlineIgnore,
    InputProblem,
    ReadOptions,
    ReadResult,
    byte_position,
    refused,
    sniff_bytes,
    unparseable,
)
from linter.read.positions import line_column

if TYPE_CHECKING:
    from linter.read.yamldoc import Detail, Locate

SCHEMA = "credential-export.schema.json"
TABLE_API = "table-api"  # {"result": [records with sys_class_name]}
TABLES = "tables"  # {table: [records]}
AUTHORIZED_AS = "authorized_as"
MAX_EXPORT_DEPTH = 100  # an export nests 5 levels; the cap also keeps the recursive composer far from the stack limit
READ_CHUNK = 1 << 24

_BOM = b"\xef\xbb\xbf"
_TOP_KEY = re.compile(r"""^(["']?)([A-Za-z_$][\w$.-]*)\1[ \t]*:(?=[ \t\r]|$)""", re.M)
_ANY_KEY = re.compile(r"""(["']?)\b([A-Za-z_][\w]*)\b\1\s*:""")
_TABLE_API_START = re.compile(r'\s*\{\s*"result"\s*:')
_PROLOG = re.compile(r"\A(?:\s+|#[^\n]*|%[^\n]*|---[ \t]*)*")
_IGNORE = re.compile(r"#[ \t]*snlint:[ \t]*ignore\[([^\]\n]*)\][ \t]*(.*)")
_SECRET_FIELD = re.compile(r"password|secret|token|private|passphrase|credential_key|api_key", re.I)
_KINDS = {dict: "a mapping", list: "a list", str: "text", bool: "true/false", int: "a number", float: "a number"}

Path = tuple[object, ...]

_validator: Any = None


def read_yaml(path: str, options: ReadOptions, fd: int, size: int, explicit: bool = False) -> ReadResult:
    """Read one YAML or JSON file (already opened as `fd`): the records of a credential export, or nothing.

    `explicit` (the file was named on the command line) changes one outcome only: an empty YAML file is SN001
    when named, skipped when found in a folder (an empty JSON file is SN001 either way). A file that is not an
    export is skipped silently either way.
    """
    try:
        text = _decode(path, _read(path, fd, size, options.max_bytes))
        if not text.strip() and (explicit or path.lower().endswith(".json")):
            # Named on the command line, or JSON (where an empty file is not a document): say so, as for XML.
            kind = "JSON" if path.lower().endswith(".json") else "YAML"
            raise unparseable(f"empty file: no {kind} document", Position(path, 1, 1))
        _refuse_alias_bomb(path, text)
        form = _sniff(path, text, options.tables)
        if form is None:
            return ReadResult(is_export=False, reason="names no ServiceNow table a rule reads: not a credential export")
        return _load(path, text, options)
    except InputProblem as problem:
        return ReadResult(findings=[problem.finding()])


# -- bytes to text ----------------------------------------------------------------------------------------------
def _read(path: str, fd: int, size: int, limit: int) -> bytes:
    """The whole file, refusing more than `limit` bytes (the file may have grown since it was measured)."""
    parts: list[bytes] = []
    total = 0
    wanted = min(size, limit) + 1
    while total < wanted:
        chunk = os.pread(fd, min(READ_CHUNK, wanted - total), total)
        if not chunk:
            break
        parts.append(chunk)
        total += len(chunk)
    if total > limit:
        raise refused(
            f"file is over the {limit / (1024 * 1024):.0f} MiB limit (max-file-size): refused", Position(path, 1, 1)
        )
    return b"".join(parts)


def _decode(path: str, data: bytes) -> str:
    """UTF-8 text without its BOM; UTF-16/32, NUL bytes and invalid UTF-8 are refused (SN002) with a position."""
    problem = sniff_bytes(path, data)
    if problem is not None:
        raise problem
    if data.startswith(_BOM):
        data = data[len(_BOM) :]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        at = byte_position(path, data, error.start)
        raise refused("undecodable text: not valid UTF-8 (re-save the file as UTF-8)", at) from error


# -- alias bombs (in any YAML file, export or not) ----------------------------------------------------------------
MAX_ALIAS_EXPANSION = 100_000  # nodes; a CI file's anchors expand to hundreds, a 400-byte bomb to billions
_ANCHOR = re.compile(r"(?:^|[\s\[{,:-])&[^\s\[\]{},]+", re.M)
_ALIAS = re.compile(r"(?:^|[\s\[{,:-])\*[^\s\[\]{},]+", re.M)


def _refuse_alias_bomb(path: str, text: str) -> None:
    """Refuse (SN002) YAML whose aliases would expand to more than MAX_ALIAS_EXPANSION nodes, without expanding
    them: each anchor's expanded size is counted from the parser's events. Files without both an anchor and an
    alias (nearly all) are not parsed here."""
    if not (_ANCHOR.search(text) and _ALIAS.search(text)):
        return
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError
    from ruamel.yaml.events import AliasEvent, CollectionEndEvent, CollectionStartEvent, ScalarEvent

    sizes: dict[str, int] = {}
    open_anchors: list[tuple[str | None, int]] = []  # (anchor, total when the collection started)
    total = 0
    try:
        for event in YAML(typ="rt", pure=True).parse(text):
            if isinstance(event, ScalarEvent):
                total += 1
                if event.anchor:
                    sizes[event.anchor] = 1
            elif isinstance(event, CollectionStartEvent):
                open_anchors.append((event.anchor, total))
                total += 1
            elif isinstance(event, CollectionEndEvent) and open_anchors:
                anchor, started = open_anchors.pop()
                if anchor:
                    sizes[anchor] = total - started
            elif isinstance(event, AliasEvent):
                total += sizes.get(event.anchor, 1)
                if total > MAX_ALIAS_EXPANSION:
                    mark = event.start_mark
                    raise refused(
                        f"YAML aliases expand to more than {MAX_ALIAS_EXPANSION:,} nodes (an alias bomb): refused",
                        Position(path, mark.line + 1, mark.column + 1),
                    )
    except (YAMLError, RecursionError):
        return  # not valid YAML: the export check (or nothing) reports it


# -- is it an export? (no ruamel.yaml, no jsonschema) -----------------------------------------------------------
def _sniff(path: str, text: str, tables: frozenset[str]) -> str | None:
    """TABLES or TABLE_API when the text is a credential export, None when it is some other YAML or JSON."""
    prolog = _PROLOG.match(text)
    body = text[prolog.end() :] if prolog is not None else text
    if not body:
        return None
    is_json_file = path.lower().endswith(".json")
    if is_json_file or body.startswith(("{", "[")):
        try:
            return _form(json.loads(text), tables)
        except RecursionError as error:  # thousands of levels: no real file of any kind, refused outright
            raise refused("JSON nested too deeply (over a thousand levels): refused", Position(path, 1, 1)) from error
        except ValueError as error:
            if not _mentions_export(text, tables):
                return None
            if is_json_file:
                raise _json_problem(path, error) from error
            return TABLES  # flow-style YAML that is not strict JSON: ruamel.yaml reads it (or says why not)
    keys = {match.group(2) for match in _TOP_KEY.finditer(text)}
    if keys & tables:
        return TABLES
    if "result" in keys and "sys_class_name" in text:
        return TABLE_API
    return None


def _json_problem(path: str, error: ValueError) -> InputProblem:
    if isinstance(error, json.JSONDecodeError):
        extra = " (text after the end of the JSON document)" if error.msg.startswith("Extra data") else ""
        line, column = line_column(error.doc, error.pos)  # LF, CRLF and lone CR, like every other position
        return unparseable(f"invalid JSON: {error.msg}{extra}", Position(path, line, column))
    return unparseable(f"invalid JSON: {error}", Position(path, 1, 1))


def _mentions_export(text: str, tables: frozenset[str]) -> bool:
    """A cheap guess for text that does not parse as JSON: does it start like a Table API response, or does any
    key name a wanted table or sys_class_name? (A truncated Table API export may end before sys_class_name.)"""
    if _TABLE_API_START.match(text):
        return True
    return any(match.group(2) in tables or match.group(2) == "sys_class_name" for match in _ANY_KEY.finditer(text))


def _form(data: object, tables: frozenset[str]) -> str | None:
    """The export form of parsed data, or None when it is not a credential export."""
    if not isinstance(data, dict):
        return None
    result = data.get("result")
    if isinstance(result, list) and any(isinstance(row, dict) and "sys_class_name" in row for row in result):
        return TABLE_API
    if any(isinstance(key, str) and key in tables for key in data):
        return TABLES
    return None


# -- the export ---------------------------------------------------------------------------------------------------
def _load(path: str, text: str, options: ReadOptions) -> ReadResult:
    """Parse an export with positions; SN001 for a syntax error, SN002 for refused input."""
    from linter.read.yamldoc import Detail, YamlProblem, load_yaml_document

    detail = Detail()
    depth = min(options.max_depth, MAX_EXPORT_DEPTH)
    try:
        data, locate = load_yaml_document(text, path, max_depth=depth, detail=detail)
    except YamlProblem as error:
        where = Position(path, error.line, error.column)
        if error.refused:
            raise refused(error.message, where) from error
        kind = "JSON" if path.lower().endswith(".json") else "YAML"
        message = error.message
        if "another document" in message:
            message = "a second document (---) in one export: keep all tables in one document"
        message = message if message.startswith("invalid ") else f"invalid {kind}: {message}"
        raise unparseable(message, where) from error
    form = _form(data, options.tables)
    if form is None:  # the sniffing guessed wrong (e.g. a table name at the start of a line inside a value)
        return ReadResult(is_export=False, reason="not shaped like a credential export (no table of records)")
    export = _Export(path, text, options, data, locate, detail)
    result = ReadResult(records=export.records(form), findings=export.validate())
    if not path.lower().endswith(".json") and "snlint:" in text:
        result.ignores = export.ignores()
    return result


class _Export:
    """A parsed export: its data, where each value is, and the records, findings and suppressions it yields."""

    def __init__(
        self, path: str, text: str, options: ReadOptions, data: dict[object, Any], locate: Locate, detail: Detail
    ) -> None:
        self.path = path
        self.text = text
        self.options = options
        self.data = data
        self.locate = locate
        self.detail = detail

    # -- positions ------------------------------------------------------------------------------------------------
    def position(self, at: Path) -> Position:
        """Where the value at `at` starts and ends; an empty (null) value is placed on its key."""
        from linter.read.yamldoc import key_position

        if _get(self.data, at) is None and at:
            line, column = key_position(self.locate, at)
            return Position(self.path, line, column, line, column)
        line, column = self.locate(at)
        end_line, end_column = self.detail.ends.get(at, (line, column))
        return Position(self.path, line, column, end_line, end_column)

    # -- records --------------------------------------------------------------------------------------------------
    def records(self, form: str) -> list[Record]:
        groups: list[tuple[str, Path, object]] = []
        if form == TABLE_API:
            groups.append(("", ("result",), self.data.get("result")))
        else:
            groups.extend((key, (key,), rows) for key, rows in self.data.items() if isinstance(key, str))
        records: list[Record] = []
        for table, base, rows in groups:
            if not isinstance(rows, list):
                continue
            for index, row in enumerate(rows):
                if not isinstance(row, dict):
                    continue
                record = self._record(table, (*base, index), row, len(records))
                if record is not None and record.table in self.options.tables:
                    records.append(record)
        return records

    def _record(self, table: str, at: Path, row: Mapping[object, object], order: int) -> Record | None:
        fields: dict[str, Value] = {}
        for name, raw in row.items():
            if not isinstance(name, str) or name == "action":
                continue
            if name == AUTHORIZED_AS and isinstance(raw, dict):
                for claim, claim_value in raw.items():
                    claim_at = (*at, name, claim)
                    if isinstance(claim, str) and _is_scalar(claim_value):
                        fields[f"{name}.{claim}"] = Value(self._text(claim_value, claim_at), self.position(claim_at))
                continue
            value = self._value(raw, (*at, name))
            if value is not None:
                fields[name] = value
        sys_id = fields.get("sys_id")
        class_name = fields.get("sys_class_name")
        table = class_name.text.strip() if class_name is not None and class_name.text.strip() else table
        if sys_id is None or not sys_id.text.strip() or not table:
            return None  # reported by the schema check (SN003)
        action = row.get("action")
        updated = fields.get("sys_updated_on")
        return Record(
            table=table,
            sys_id=sys_id.text.strip(),
            fields=fields,
            position=self.position(at),
            deleted=isinstance(action, str) and action.strip().upper() == "DELETE",
            updated_on=updated.text.strip() if updated is not None else "",
            order=order,
        )

    def _value(self, raw: object, at: Path) -> Value | None:
        """A field value as ServiceNow text, or None when it has no text form (a schema violation)."""
        if _is_scalar(raw):
            return Value(self._text(raw, at), self.position(at))
        if isinstance(raw, dict):  # a reference object {value, display_value, link}
            target = raw.get("value")
            if not _is_scalar(target):
                return None
            shown = raw.get("display_value")
            display = self._text(shown, (*at, "display_value")) if _is_scalar(shown) and shown is not None else None
            return Value(self._text(target, (*at, "value")), self.position((*at, "value")), display)
        if isinstance(raw, list) and all(_is_scalar(item) for item in raw):  # a glide_list of sys_ids
            text = ",".join(self._text(item, (*at, index)) for index, item in enumerate(raw))
            return Value(text, self.position(at))
        return None

    def _text(self, raw: object, at: Path) -> str:
        """ServiceNow's text for a scalar: booleans `true`/`false`, nothing "", numbers as written."""
        if raw is None:
            return ""
        if isinstance(raw, bool):
            return "true" if raw else "false"
        if isinstance(raw, str):
            return raw
        return self.detail.plain.get(at, str(raw))

    # -- schema -----------------------------------------------------------------------------------------------
    def validate(self) -> list[Finding]:
        findings = []
        for error in _schema_validator().iter_errors(self.data):
            path = tuple(error.absolute_path)
            line, column = self._error_position(error)
            message = _describe(error, self.data)
            record = _get(self.data, path[:2]) if len(path) >= 2 else None
            ids = _record_ids(record)
            findings.append(
                Finding(
                    "schema",  # a problem kind: rules/ binds it to a rule (ruleset.bind)
                    Severity.ERROR,
                    message,
                    Position(self.path, line, column, line, column),
                    key=f"{self.path}:{'/'.join(map(str, path))}:{error.validator}",
                    record_ids=ids,
                )
            )
        return sorted(findings, key=Finding.sort_key)

    def _error_position(self, error: Any) -> tuple[int, int]:
        from linter.read.yamldoc import error_position, key_position

        path = tuple(error.absolute_path)
        if "propertyNames" in error.relative_schema_path:  # a bad key: point at the key itself
            return key_position(self.locate, (*path, error.instance))
        if error.validator == "additionalProperties":
            return error_position(self.locate, error)
        if error.instance is None and path:
            return key_position(self.locate, path)
        return self.locate(path)

    # -- inline suppressions ------------------------------------------------------------------------------------
    def ignores(self) -> list[InlineIgnore]:
        """`# snlint: ignore[RULE,...] reason` comments (not text inside a value that merely looks like one)."""
        found: list[InlineIgnore] = []
        for number, line in enumerate(self.text.split("\n"), 1):
            at = line.find("#")
            while at >= 0:
                if (at == 0 or line[at - 1] in " \t") and not self.detail.inside_scalar(number, at + 1):
                    match = _IGNORE.match(line, at)
                    if match is not None:
                        rules = tuple(part.strip().upper() for part in match.group(1).split(",") if part.strip())
                        reason = match.group(2).strip().lstrip(":-\u2013\u2014").strip()
                        if rules:
                            found.append(InlineIgnore(rules, Position(self.path, number, at + 1), reason))
                    break  # the rest of the line is a comment
                at = line.find("#", at + 1)
        return found


def _is_scalar(value: object) -> bool:
    return value is None or isinstance(value, (str, bool, int, float))


def _get(data: object, path: Sequence[object]) -> object:
    """The value at `path`, or None when there is none."""
    for part in path:
        if isinstance(data, dict):
            data = data.get(part)
        elif isinstance(data, list) and isinstance(part, int) and 0 <= part < len(data):
            data = data[part]
        else:
            return None
    return data


def _record_ids(record: object) -> tuple[str, ...]:
    """sys_id and name of a record mapping, for suppressions by record."""
    if not isinstance(record, dict):
        return ()
    ids = []
    for name in ("sys_id", "name"):
        value = record.get(name)
        if isinstance(value, dict):
            value = value.get("value")
        if isinstance(value, str) and value.strip():
            ids.append(value.strip())
    return tuple(ids)


def _schema_validator() -> Any:
    global _validator
    if _validator is None:
        from importlib import resources

        import jsonschema  # type: ignore[import-untyped,unused-ignore]

        schema = json.loads(resources.files("linter.schemas").joinpath(SCHEMA).read_text(encoding="utf-8"))
        _validator = jsonschema.Draft202012Validator(schema)
    return _validator


# -- messages -----------------------------------------------------------------------------------------------------
def _describe(error: Any, data: object) -> str:
    """A schema violation in words: which record and field, what was expected. Secret values are never shown."""
    path = list(error.absolute_path)
    where = _where(path, data)
    schema: Mapping[str, Any] = error.schema if isinstance(error.schema, dict) else {}
    expected = schema.get("description", "a value that follows docs/credential-exports.md")
    validator = error.validator
    if _is_secret(path):  # a secret field's keys and values are never named, whatever is wrong with them
        return f"{where}: expected {expected}"
    if "propertyNames" in error.relative_schema_path:
        subject = "top-level key" if not path else f"{where}: key"
        return f"{subject} {_quote(error.instance)} is not a valid {expected}"
    if validator == "type":
        return f"{where}: expected {expected}, got {_kind(error.instance)}"
    if validator == "required":
        missing = [name for name in error.validator_value if name not in error.instance]
        name = missing[0] if missing else "?"
        hint = _property_description(schema, name)
        return f"{where}: '{name}' is missing" + (f": {hint}" if hint else "")
    if validator == "additionalProperties":
        allowed = sorted(schema.get("properties", {}))
        extra = sorted(str(key) for key in error.instance if key not in allowed)
        names = ", ".join(f"'{name}'" for name in extra)
        return f"{where}: unknown key {names} (expected one of: {', '.join(allowed)})"
    if validator == "anyOf":
        needed = [name for branch in error.validator_value for name in branch.get("required", ())]
        if needed:
            return f"{where}: needs {' or '.join(repr(name) for name in needed)}"
    return f"{where}: expected {expected}, got {_quote(error.instance)}"


def _where(path: Sequence[object], data: object) -> str:
    """`windows_credentials record 2 'Exchange Online Mailbox', field 'user_name'` for a schema path."""
    if not path:
        return "top level"
    if len(path) == 1:
        return f"'{path[0]}'"
    row = _get(data, path[:2])
    table = str(path[0])
    if isinstance(row, dict):
        class_name = row.get("sys_class_name")
        if isinstance(class_name, dict):
            class_name = class_name.get("value")
        if path[0] == "result" and isinstance(class_name, str) and class_name:
            table = class_name
    index = path[1]
    label = f"{table} record {index + 1}" if isinstance(index, int) else f"{table} {index}"
    name = row.get("name") if isinstance(row, dict) else None
    if isinstance(name, dict):
        name = name.get("value")
    if isinstance(name, str) and name:
        label += f" '{name}'"
    if len(path) == 2:
        return label
    field = "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in path[2:]).lstrip(".")
    return f"{label}, field '{field}'"


def _property_description(schema: Mapping[str, Any], name: str) -> str:
    described = schema.get("properties", {}).get(name, {})
    text = described.get("description", "") if isinstance(described, dict) else ""
    return str(text)


def _kind(value: object) -> str:
    return "nothing (null)" if value is None else _KINDS.get(type(value), type(value).__name__)


def _quote(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _is_secret(path: Sequence[object]) -> bool:
    return any(isinstance(part, str) and _SECRET_FIELD.search(part) for part in path)


__all__ = ["read_yaml"]
