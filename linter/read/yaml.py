"""YAML and Table-API JSON credential exports: records whose every value knows its line and column.

The format is documented in docs/credential-exports.md and shipped as a JSON Schema
(linter/schemas/credential-export.schema.json):
- a mapping from table name to a list of records, or the Table API's own response `{"result": [...]}` (each
  record's table is its `sys_class_name`, which wins over the list's table name in the first form too; a Table
  API record without one takes the table of the configuration's `tables` globs, else of the file name);
- a field value is text (numbers and booleans become ServiceNow's text: `100`, `true`), a reference object
  `{value, display_value, link}` (read as the sys_id in `value`, its display_value kept), or a list of sys_ids
  (read as ServiceNow's comma-separated glide_list);
- `authorized_as` on an OAuth 2.0 credential: a UPN, or a mapping `{upn, oid, tid, preferred_username}` read as
  the fields `authorized_as.upn`, `authorized_as.oid`, ...;
- `action: DELETE` marks a deleted record; `sys_updated_on` orders several versions of one record;
- several `---` documents are one export; anchors, aliases and `<<` merge keys are read as YAML defines them.

Positions (1-based) point at the first character of a value as written: the opening quote of a quoted scalar,
the `|` or `>` of a block scalar, the `[` or first `-` of a list, the sys_id (`value`) of a reference object, the
value after an `&anchor`; an empty (null) value points at its key; a value reached through an alias or a merge
key points at the anchored node's text. End positions are exclusive.

Whether a file is an export at all is decided from its first SNIFF_BYTES before ruamel.yaml or jsonschema is
imported; a file that is not an export (a CI configuration, a package-lock.json) is skipped without a finding,
and is never read further or parsed. Schema violations are SN003 findings, unreadable text SN001, refused input
(an alias bomb, nesting deeper than the limit, UTF-16, binary) SN002. A value is never echoed in a message when
its field looks like a secret.
"""

from __future__ import annotations

import functools
import json
import os
import re
from collections.abc import Iterable, Mapping, Sequence
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
_IGNORE = re.compile(r"#[ \t]*snlint:[ \t]*ignore\[([^\]\n]*)\][ \t]*(.*)")
_SECRET_FIELD = re.compile(r"password|secret|token|private|passphrase|credential_key|api_key", re.I)

Path = tuple[object, ...]


def read_yaml(path: str, options: ReadOptions, fd: int, size: int, explicit: bool = False) -> ReadResult:
    """Read one YAML or JSON file (already opened as `fd`): the records of a credential export, or nothing.

    Whether it is an export is decided from its first SNIFF_BYTES: a file that is not one is never read further
    (nor parsed), whatever its size. `explicit` (the file was named on the command line) changes one outcome
    only: an empty YAML file is SN001 when named, skipped when found in a folder (an empty JSON file is SN001
    either way). A file that is not an export is skipped silently either way.
    """
    try:
        head = os.pread(fd, min(size, options.max_bytes, SNIFF_BYTES) + 1, 0)
        prefix = _decode(path, head[:SNIFF_BYTES], whole=len(head) <= SNIFF_BYTES)
        if not prefix.strip() and len(head) <= SNIFF_BYTES and (explicit or path.lower().endswith(".json")):
            # Named on the command line, or JSON (where an empty file is not a document): say so, as for XML.
            kind = "JSON" if path.lower().endswith(".json") else "YAML"
            raise unparseable(f"empty file: no {kind} document", Position(path, 1, 1))
        if not _may_be_export(prefix, options.tables):
            _refuse_alias_bomb(path, prefix)  # a bomb is a few hundred bytes: refused even in a file not read
            return ReadResult(is_export=False, reason="names no ServiceNow table a rule reads: not a credential export")
        text = _decode(path, _read(path, fd, size, options.max_bytes), whole=True)
        _refuse_alias_bomb(path, text)
        if path.lower().endswith(".json"):
            _check_json(path, text)
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


def _decode(path: str, data: bytes, whole: bool) -> str:
    """UTF-8 text without its BOM; UTF-16/32, NUL bytes and invalid UTF-8 are refused (SN002) with a position.
    When `data` is only the start of the file (`whole` false), a character cut at its end is dropped."""
    problem = sniff_bytes(path, data)
    if problem is not None:
        raise problem
    if data.startswith(_BOM):
        data = data[len(_BOM) :]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        if not whole and error.start >= len(data) - 3 and error.reason == "unexpected end of data":
            return data[: error.start].decode("utf-8")
        at = byte_position(path, data, error.start)
        raise refused("undecodable text: not valid UTF-8 (re-save the file as UTF-8)", at) from error


# -- alias bombs --------------------------------------------------------------------------------------------------
MAX_ALIAS_EXPANSION = 100_000  # nodes added by aliases; a hand-written export's add hundreds, a 400-byte bomb billions
_ANCHOR = re.compile(r"(?:^|[\s\[{,:-])&[^\s\[\]{},]+", re.M)
_ALIAS = re.compile(r"(?:^|[\s\[{,:-])\*[^\s\[\]{},]+", re.M)


def _refuse_alias_bomb(path: str, text: str) -> None:
    """Refuse (SN002) YAML whose aliases would add more than MAX_ALIAS_EXPANSION nodes, without expanding them:
    each anchor's expanded size is counted from the parser's events, and the alias that crosses the limit is
    reported. Files without both an anchor and an alias (nearly all) are not parsed here."""
    if not (_ANCHOR.search(text) and _ALIAS.search(text)):
        return
    from ruamel.yaml.error import YAMLError

    from linter.read.yamldoc import parse_events, pure_events

    try:
        _count_expansion(path, parse_events(text))
    except (YAMLError, RecursionError):
        try:  # libyaml refused it: count what the pure parser (which reads the export next) reads
            _count_expansion(path, pure_events(text))
        except (YAMLError, RecursionError):
            return  # not valid YAML (or only the start of a file): the export check (or nothing) reports it


def _count_expansion(path: str, events: Iterable[Any]) -> None:
    from ruamel.yaml.events import AliasEvent, CollectionEndEvent, CollectionStartEvent, ScalarEvent

    sizes: dict[str, int] = {}
    open_anchors: list[tuple[str | None, int]] = []  # (anchor, total when the collection started)
    total = 0  # nodes of the expanded document so far
    added = 0  # of those, nodes reached through an alias
    for event in events:
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
            mark = event.start_mark
            if any(anchor == event.anchor for anchor, _ in open_anchors):
                raise refused(
                    "a YAML alias inside the node it refers to (it would never end): refused",
                    Position(path, mark.line + 1, mark.column + 1),
                )
            size = sizes.get(event.anchor, 1)
            total += size
            added += size
            if added > MAX_ALIAS_EXPANSION:
                raise refused(
                    f"YAML aliases expand to more than {MAX_ALIAS_EXPANSION:,} nodes (an alias bomb): refused",
                    Position(path, mark.line + 1, mark.column + 1),
                )


# -- is it an export? (no ruamel.yaml, no jsonschema, from the first SNIFF_BYTES only) -------------------------
SNIFF_BYTES = 64 * 1024
# A key at any indentation, in block (`key:`, `? key`) or flow / JSON style (`{"key":`): the start of a key is
# anchored after a separator, so no position is tried twice.
_KEY = re.compile(r"""(?:^|[\s{,?\[])(["']?)([A-Za-z_$][\w$.-]*)\1[ \t]*:""", re.M)
_EXPLICIT_KEY = re.compile(r"""(?:^|[\s{,\[])\?[ \t]+(["']?)([A-Za-z_$][\w$.-]*)""", re.M)
_CLASS_NAME = re.compile(r"""(?:^|[\s{,?\[])(["']?)sys_class_name\1[ \t]*:[ \t]*(["']?)([a-z][a-z0-9_]*)""", re.M)
_PROLOG = re.compile(r"\A(?:\s|#[^\n]*|%[^\n]*|---)*")
_RESULT_FIRST = re.compile(r"""(?:\{[ \t\r\n]*|\?[ \t]*)?(["']?)result\1[ \t]*:""")


def _may_be_export(prefix: str, tables: frozenset[str]) -> bool:
    """From the start of a file: could it be a credential export? A key anywhere in it names a table a rule
    reads, a `sys_class_name` names one, or its first key is `result` (a Table API response). A wrong guess costs
    a parse, then a skip."""
    prolog = _PROLOG.match(prefix)
    body = prefix[prolog.end() :] if prolog is not None else prefix
    if _RESULT_FIRST.match(body):
        return True
    if any(match.group(3) in tables for match in _CLASS_NAME.finditer(prefix)):
        return True
    return any(match.group(2) in tables for key in (_KEY, _EXPLICIT_KEY) for match in key.finditer(prefix))


def _check_json(path: str, text: str) -> None:
    """A JSON export must be strict JSON (ruamel.yaml would accept any YAML): SN001 at the first error, SN002
    for nesting no real file has. Numbers are kept as text, so no number is too large to convert."""
    try:
        json.loads(text, parse_int=str, parse_float=str, parse_constant=str)
    except RecursionError as error:
        raise refused("JSON nested too deeply (over a thousand levels): refused", Position(path, 1, 1)) from error
    except json.JSONDecodeError as error:
        message, at = _trailing_comma(error)
        extra = " (text after the end of the JSON document)" if message.startswith("Extra data") else ""
        line, column = line_column(text, at)  # LF, CRLF and lone CR, like every other position
        raise unparseable(f"invalid JSON: {message}{extra}", Position(path, line, column)) from error


def _trailing_comma(error: json.JSONDecodeError) -> tuple[str, int]:
    """The message and offset of a JSON error, the same on every Python: 3.13 reports a trailing comma as such,
    at the comma; older versions report the `}` or `]` after it ("Expecting property name ..."), which is
    turned into 3.13's words and place here."""
    text, at = error.doc, error.pos
    if at < len(text) and text[at] in "}]" and error.msg.startswith(("Expecting property name", "Expecting value")):
        comma = len(text[:at].rstrip(" \t\r\n")) - 1
        if comma >= 0 and text[comma] == ",":
            return f"Illegal trailing comma before end of {'object' if text[at] == '}' else 'array'}", comma
    return error.msg, at


def _form(data: object, tables: frozenset[str]) -> str | None:
    """The export form of parsed data, or None when it is not a credential export."""
    if not isinstance(data, dict):
        return None
    result = data.get("result")
    if isinstance(result, list) and any(isinstance(row, dict) for row in result):
        return TABLE_API
    if any(isinstance(key, str) and key in tables for key in data):
        return TABLES
    return None


# -- a table from the file name or the configuration ----------------------------------------------------------
_TABLE_NAME = re.compile(r"[a-z][a-z0-9]*(?:_[a-z0-9]+)+")


def inferred_table(path: str, options: ReadOptions) -> str | None:
    """The table of a Table API response without sys_class_name: the last `tables` entry of the configuration
    whose gitignore-style glob matches the file (relative to the configuration's folder), else a part of the file
    name (`sys_alias.json`, `prod.sys_alias.json`, `sys_alias.2024-10-02.yaml`) that is a table a rule reads or
    has a ServiceNow table name's shape (lowercase words joined by `_`), else None."""
    if options.table_globs:
        relative = os.path.relpath(os.path.abspath(path), os.path.abspath(options.table_root)).replace(os.sep, "/")
        if not relative.startswith("../"):
            matched = [table for spec, table in _table_specs(options.table_globs) if spec.match_file(relative)]
            if matched:
                return matched[-1]
    stem = os.path.basename(path).rsplit(".", 1)[0]
    for part in reversed(stem.split(".")):
        if part in options.tables or _TABLE_NAME.fullmatch(part):
            return part
    return None


@functools.lru_cache(maxsize=8)
def _table_specs(globs: tuple[tuple[str, str], ...]) -> list[tuple[Any, str]]:
    import pathspec

    return [(pathspec.GitIgnoreSpec.from_lines([glob]), table) for glob, table in globs]


# -- the export ---------------------------------------------------------------------------------------------------
def _load(path: str, text: str, options: ReadOptions) -> ReadResult:
    """Parse an export with positions; SN001 for a syntax error, SN002 for refused input."""
    from linter.read.yamldoc import Detail, YamlProblem, load_json_document, load_yaml_document

    detail = Detail()
    depth = min(options.max_depth, MAX_EXPORT_DEPTH)
    try:
        if path.lower().endswith(".json"):  # already checked by json.loads: read with the fast JSON reader
            data, locate = load_json_document(text, max_depth=depth, detail=detail)
        else:
            data, locate = load_yaml_document(text, path, max_depth=depth, detail=detail, aliases=True, stream=True)
    except YamlProblem as error:
        where = Position(path, error.line, error.column)
        if error.refused:
            raise refused(error.message, where) from error
        kind = "JSON" if path.lower().endswith(".json") else "YAML"
        message = error.message if error.message.startswith("invalid ") else f"invalid {kind}: {error.message}"
        raise unparseable(message, where) from error
    form = _form(data, options.tables)
    if form is None:  # the sniffing guessed wrong (e.g. a table name at the start of a line inside a value)
        return ReadResult(is_export=False, reason="not shaped like a credential export (no table of records)")
    export = _Export(path, text, options, data, locate, detail)
    result = ReadResult(records=export.records(form), findings=export.validate() + export.untold())
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
        self.table = inferred_table(path, options)  # for Table API records without sys_class_name
        self.untold_at: list[Path] = []  # records with a sys_id whose table cannot be told

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
            groups.append((self.table or "", ("result",), self.data.get("result")))
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
        if sys_id is None or not sys_id.text.strip():
            return None  # reported by the schema check (SN003)
        if not table:
            self.untold_at.append(at)  # reported once for the file (SN003)
            return None
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
        plain = self.detail.plain.get(at)
        return plain if plain is not None else str(raw)

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

    def untold(self) -> list[Finding]:
        """A schema problem, once, for a file whose records carry sys_ids but not their table (not a silent skip)."""
        if not self.untold_at:
            return []
        count = len(self.untold_at)
        name = os.path.basename(self.path)
        message = (
            f"the table of {count} record(s) cannot be told: no sys_class_name, the file name '{name}' names no "
            "table, and no 'tables' entry of the configuration matches the file; add sys_class_name to "
            "sysparm_fields, name the file <table>.json, or map it in 'tables' (docs/credential-exports.md)"
        )
        at = self.position(self.untold_at[0])
        where = Position(self.path, at.line, at.column, at.line, at.column)
        return [Finding("schema", Severity.ERROR, message, where, key=f"{self.path}:untold-table")]

    def _error_position(self, error: Any) -> tuple[int, int]:
        from linter.read.yamldoc import key_position
        from linter.schema import error_position

        return error_position(error, self.locate, lambda at: key_position(self.locate, at))

    # -- inline suppressions ------------------------------------------------------------------------------------
    def ignores(self) -> list[InlineIgnore]:
        """`# snlint: ignore[RULE,...] reason` comments (not text inside a value that merely looks like one)."""
        found: list[InlineIgnore] = []
        lines = self.text.split("\n")
        # Only a line that mentions `snlint:` can hold one: each of its `#`s is checked against the scalars by a
        # binary search, so a file with a comment on every line costs one pass (not one scan of scalars per `#`).
        for number in (index + 1 for index, line in enumerate(lines) if "snlint:" in line):
            line = lines[number - 1]
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
    from linter.schema import validator

    return validator(SCHEMA)


# -- messages -----------------------------------------------------------------------------------------------------
def _describe(error: Any, data: object) -> str:
    """A schema violation in words: which record and field, what was expected. Secret values are never shown."""
    from linter.schema import kind, property_description

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
        return f"{where}: expected {expected}, got {kind(error.instance)}"
    if validator == "required":
        missing = [name for name in error.validator_value if name not in error.instance]
        name = missing[0] if missing else "?"
        hint = property_description(schema, name)
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


def _quote(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _is_secret(path: Sequence[object]) -> bool:
    return any(isinstance(part, str) and _SECRET_FIELD.search(part) for part in path)


__all__ = ["read_yaml"]
