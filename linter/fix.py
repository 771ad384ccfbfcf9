"""Fixes: a value's span in the original file replaced by new text, escaped for the container it sits in.

A check proposes a `Fix` (the value's span and the text the value should become) without knowing containers;
`prepare` works out, once per file, what must be written over the span so that a reader reads exactly that text:
- XML element text (`&`, `<`, `>` and a CR escaped) or a CDATA section's payload (`]]>` split across sections);
- inside an update set's `<payload>`: the inner document's escaping, then the payload's own (entities again, or
  the payload's CDATA);
- a YAML scalar in its own style (plain, single- or double-quoted; a plain scalar that would change meaning
  becomes quoted), a JSON string.
Everything outside the span stays byte-identical (BOM, line ends, indentation, comments). Every prepared file is
read back with the real reader before anything is written: the edited values must read as intended and nothing
else may change, otherwise the fix is refused (a value mixing CDATA and text, a block scalar, an empty tag).
Writes are atomic: a new file in the same folder (O_EXCL, the original's mode), then a rename.
"""

from __future__ import annotations

import json
import os
import re
import sys
from bisect import bisect_right
from collections.abc import Iterable, Mapping, Sequence
from itertools import pairwise
from typing import NamedTuple

from linter.model import Finding, Fix, Position, Record
from linter.read.positions import line_starts

_BOM = b"\xef\xbb\xbf"
_CDATA_OPEN = "<![CDATA["
_CDATA_CLOSE = "]]>"
_PAYLOAD = re.compile(r"<payload(?=[\s>/])")
# Characters XML 1.0 cannot carry at all (not even as a character reference).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# Characters a YAML scalar may not hold raw: C0/C1 controls, DEL, line/paragraph separators, BOM, surrogates.
_NOT_YAML_PRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\ufeff\ud800-\udfff\ufffe\uffff]")
_YAML_PLAIN_FIRST = re.compile(r"[^\W\d]|[\\]")
_YAML_PLAIN_CHARS = re.compile(r"[\w@.\\/+=()$%!?,;~ -]*")  # no `: `, ` #`, quotes, brackets or indicators
_YAML_KEYWORDS = frozenset({"y", "n", "yes", "no", "on", "off", "true", "false", "null", "nan", "inf"})


class FixRefused(Exception):
    """A fix that cannot be written safely; the message says why."""


# -- escaping ------------------------------------------------------------------------------------------------------
def xml_text(value: str) -> str:
    """`value` as XML element text."""
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")


def xml_cdata(value: str) -> str:
    """`value` as the payload of a CDATA section already open: `]]>` and a CR leave the section for a moment."""
    return value.replace(_CDATA_CLOSE, "]]]]><![CDATA[>").replace("\r", "]]>&#13;<![CDATA[")


def yaml_double(value: str) -> str:
    def escape(match: re.Match[str]) -> str:
        code = ord(match.group())
        return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"

    body = value.replace("\\", "\\\\").replace('"', '\\"')
    return '"' + _NOT_YAML_PRINTABLE.sub(escape, body) + '"'


def yaml_scalar(value: str, style: str) -> str:
    """`value` as a YAML scalar in `style` (`'`, `"` or plain ""), quoted when the style cannot carry it."""
    printable = not _NOT_YAML_PRINTABLE.search(value)
    if style == "" and printable and _yaml_plain_safe(value):
        return value
    if style in ("", "'") and printable:
        return "'" + value.replace("'", "''") + "'"
    return yaml_double(value)


def _yaml_plain_safe(value: str) -> bool:
    return (
        bool(value)
        and _YAML_PLAIN_FIRST.match(value) is not None
        and _YAML_PLAIN_CHARS.fullmatch(value) is not None
        and not value.endswith(" ")
        and value.lower() not in _YAML_KEYWORDS
    )


# -- the container around a span -------------------------------------------------------------------------------------
def replacement_text(
    text: str, start: int, end: int, value: str, path: str, payloads: Sequence[tuple[int, int]] | None = None
) -> str:
    """What to write over `text[start:end]` (a value's raw span in the decoded file) so it reads as `value`.
    `payloads`: `payload_regions(text)`, when the caller has it already."""
    raw = text[start:end]
    if path.lower().endswith((".yaml", ".yml", ".json")):
        return yaml_replacement(raw, value, json_file=path.lower().endswith(".json"))
    if _NOT_XML.search(value):
        raise FixRefused("the new value holds a character XML cannot carry")
    if start == end and text.startswith(("<", "&lt;"), start) and not text.startswith(("</", "&lt;/"), start):
        raise FixRefused("an empty element (<name/>) has no text to replace")
    payload = enclosing_payload(payload_regions(text) if payloads is None else payloads, start)
    if payload is None:
        _refuse_markers(raw, (_CDATA_OPEN, _CDATA_CLOSE))
        return xml_cdata(value) if text.endswith(_CDATA_OPEN, 0, start) else xml_text(value)
    payload_cdata = text.startswith(_CDATA_OPEN, payload)
    if payload_cdata:
        _refuse_markers(raw, (_CDATA_OPEN, _CDATA_CLOSE))
        inner_cdata = text.endswith(_CDATA_OPEN, 0, start) and start - len(_CDATA_OPEN) > payload
        inner = xml_cdata(value) if inner_cdata else xml_text(value)
        return xml_cdata(inner)
    _refuse_markers(raw, ("&lt;![CDATA[", "]]&gt;", _CDATA_OPEN, _CDATA_CLOSE))
    inner_cdata = text.endswith("&lt;![CDATA[", 0, start)
    return xml_text(xml_cdata(value) if inner_cdata else xml_text(value))


def payload_regions(text: str) -> list[tuple[int, int]]:
    """The content of every `<payload>` element in a file's text, as (start, end) indexes, in file order."""
    regions = []
    at = 0
    while (match := _PAYLOAD.search(text, at)) is not None:
        close = text.find(">", match.end())
        if close < 0:
            break
        if text[close - 1] == "/":
            at = close + 1
            continue
        end = text.find("</payload>", close + 1)
        if end < 0:
            end = len(text)
        regions.append((close + 1, end))
        at = end
    return regions


def enclosing_payload(regions: Sequence[tuple[int, int]], start: int) -> int | None:
    """Where the content of the `<payload>` element holding `start` begins, or None outside any payload."""
    at = bisect_right(regions, (start, sys.maxsize)) - 1  # the last payload starting at or before `start`
    if at >= 0 and regions[at][0] <= start <= regions[at][1]:
        return regions[at][0]
    return None


def _refuse_markers(raw: str, markers: Iterable[str]) -> None:
    if any(marker in raw for marker in markers):
        raise FixRefused("the value mixes CDATA sections and text")


def yaml_replacement(raw: str, value: str, json_file: bool) -> str:
    if json_file:  # the YAML reader reads JSON too: what YAML cannot hold raw is written as \uXXXX
        return _NOT_YAML_PRINTABLE.sub(lambda m: f"\\u{ord(m.group()):04x}", json.dumps(value, ensure_ascii=False))
    first = raw[:1]
    if first in ("|", ">"):
        raise FixRefused("a block scalar is not rewritten")
    if first in ("[", "{", "-", "&", "*", "!"):
        raise FixRefused("the value is not a single scalar")
    return yaml_scalar(value, first if first in ("'", '"') else "")


# -- a file's fixes ------------------------------------------------------------------------------------------------
class Edited(NamedTuple):
    """A file with its fixes applied: the original and the new bytes, and the fixes made (in the order given)."""

    path: str
    before: bytes
    after: bytes
    fixes: tuple[Fix, ...]


def _offsets(text: str, starts: Sequence[int], position: Position) -> tuple[int, int]:
    return _offset(text, starts, position.line, position.column), _offset(
        text, starts, position.end_line or position.line, position.end_column or position.column
    )


def _offset(text: str, starts: Sequence[int], line: int, column: int) -> int:
    if not 1 <= line <= len(starts):
        raise FixRefused(f"line {line} is not in the file")
    index = starts[line - 1] + column - 1
    if not starts[line - 1] <= index <= len(text):
        raise FixRefused(f"column {column} is not on line {line}")
    return index


def edit(path: str, data: bytes, fixes: Sequence[Fix], verify: bool = True) -> Edited:
    """Apply `fixes` (spans in `data`, the file's bytes) and return the new bytes; refuse what is not safe."""
    bom = data.startswith(_BOM)
    try:
        text = data[len(_BOM) if bom else 0 :].decode("utf-8")
    except UnicodeDecodeError as error:
        raise FixRefused("the file is not UTF-8 text") from error
    starts = line_starts(text)
    spans = []
    for number, fix in enumerate(fixes):
        start, end = _offsets(text, starts, fix.position)
        spans.append((start, end, number, fix))
    spans.sort(key=lambda item: (item[0], item[1]))
    for (_, end, _, _), (start, _, _, _) in pairwise(spans):
        if start < end:
            raise FixRefused("two fixes overlap")
    pieces: list[str] = []
    made: list[tuple[int, Fix]] = []  # (start in the new text, fix), in file order
    done: list[Fix] = list(fixes)  # in the caller's order
    payloads = payload_regions(text) if not path.lower().endswith((".yaml", ".yml", ".json")) else []
    at = 0
    length = 0
    for start, end, number, fix in spans:
        new = replacement_text(text, start, end, fix.value, path, payloads)
        pieces.append(text[at:start])
        length += start - at
        done[number] = fix._replace(replacement=new)
        made.append((length, done[number]))
        pieces.append(new)
        length += len(new)
        at = end
    pieces.append(text[at:])
    new_text = "".join(pieces)
    # The bytes outside the spans are copied, not re-encoded: the same text encodes to the same bytes.
    after = (_BOM if bom else b"") + new_text.encode("utf-8")
    if verify:
        _verify(path, data, after, new_text, made)
    return Edited(path, data, after, tuple(done))


class Snapshot(NamedTuple):
    """What the reader makes of a file's bytes: every field value (record and field -> ((line, column), text)),
    the records, and the problems it reports (SN00x findings)."""

    values: dict[str, tuple[tuple[int, int], str]]
    records: list[Record]
    problems: frozenset[tuple[str, str]]

    @classmethod
    def of(cls, path: str, data: bytes) -> Snapshot:
        from linter.engine import read_bytes

        result = read_bytes(path, data)
        values = {
            f"{record.order}:{record.table}:{record.sys_id}:{name}": (
                (value.position.line, value.position.column),
                value.text,
            )
            for record in result.records
            for name, value in record.fields.items()
        }
        problems = frozenset((item.rule, item.message) for item in result.findings)
        return cls(values, result.records, problems)

    def new_problem(self, before: Snapshot) -> str:
        """A problem this version has that `before` had not ("" when none)."""
        added = sorted(self.problems - before.problems)
        return f"{added[0][0]}: {added[0][1]}" if added else ""


def _verify(path: str, before: bytes, after: bytes, new_text: str, made: Sequence[tuple[int, Fix]]) -> None:
    """Read both versions with the real reader: the fixed values read as intended, nothing else changed."""
    old_file, new_file = Snapshot.of(path, before), Snapshot.of(path, after)
    problem = new_file.new_problem(old_file)
    if problem:
        raise FixRefused(f"the edit would make the file invalid ({problem})")
    old, new = old_file.values, new_file.values
    if old.keys() != new.keys():
        raise FixRefused("the edit would change the records of the file")
    starts = line_starts(new_text)
    at_place = {where: key for key, (where, _) in old.items()}
    fixed = set()
    for index, fix in made:
        line = bisect_right(starts, index)
        where = (line, index - starts[line - 1] + 1)
        key = at_place.get((fix.position.line, fix.position.column))
        if key is None:
            raise FixRefused("the value is not a field of a record snlint reads")
        if new[key] != (where, fix.value):
            raise FixRefused("the file would not read back as intended")
        fixed.add(key)
    if any(old[key][1] != new[key][1] for key in old if key not in fixed):
        raise FixRefused("the edit would change other values of the file")


def prepare(findings: Iterable[Finding], buffers: Mapping[str, bytes] | None = None) -> list[Finding]:
    """The findings with each fix's replacement worked out from its file; a fix that cannot be made safely is
    dropped (the finding stays). `buffers` holds files' current text when it is not on disk (an editor)."""
    findings = list(findings)
    by_path: dict[str, list[int]] = {}
    for index, item in enumerate(findings):
        if item.fix is not None:
            by_path.setdefault(item.fix.position.path, []).append(index)
    for path, indexes in by_path.items():
        try:
            data = buffers[path] if buffers and path in buffers else _read(path)
        except OSError:
            data = None
        fixes = [fix for index in indexes if (fix := findings[index].fix) is not None]
        try:
            if data is None:
                raise FixRefused("the file cannot be read")
            prepared: list[Fix | None] = list(edit(path, data, fixes).fixes)
        except FixRefused:  # one fix spoils the file: keep those that are safe alone (each is a whole re-read, so
            # only the first few are tried: the work stays linear in the file whatever the number of findings)
            prepared = [_alone(path, data, fix) if number < MAX_ALONE else None for number, fix in enumerate(fixes)]
        for index, fix in zip(indexes, prepared, strict=True):
            findings[index] = findings[index]._replace(fix=fix)
    return findings


def _alone(path: str, data: bytes | None, fix: Fix) -> Fix | None:
    try:
        return edit(path, data, [fix]).fixes[0] if data is not None else None
    except FixRefused:
        return None


MAX_FIX_FILE = 16 * 1024 * 1024  # bytes: a fix is verified by reading the file twice more, so larger files get none
MAX_ALONE = 16  # fixes tried one by one when a file's fixes together cannot be made


def _read(path: str) -> bytes:
    """The file a fix edits: a regular file (opened without blocking) of at most MAX_FIX_FILE bytes, else OSError
    (the fix is dropped, the finding stays)."""
    import stat

    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_FIX_FILE:
            raise OSError(f"{path}: not a regular file of at most {MAX_FIX_FILE} bytes: no fix offered")
        with os.fdopen(os.dup(fd), "rb") as handle:
            return handle.read(MAX_FIX_FILE + 1)
    finally:
        os.close(fd)


def apply_all(findings: Iterable[Finding], buffers: Mapping[str, bytes] | None = None) -> list[Edited]:
    """Every file the prepared fixes of `findings` change, edited (not written)."""
    by_path: dict[str, list[Fix]] = {}
    for item in findings:
        if item.fix is not None and item.fix.replacement is not None:
            by_path.setdefault(item.fix.position.path, []).append(item.fix)
    edited = []
    for path, fixes in sorted(by_path.items()):
        data = buffers[path] if buffers and path in buffers else _read(path)
        unique = list({(fix.position, fix.value): fix for fix in fixes}.values())
        edited.append(edit(path, data, unique))
    return edited


def unified_diff(edited: Edited) -> str:
    import difflib

    before = edited.before.decode("utf-8", "replace").splitlines(keepends=True)
    after = edited.after.decode("utf-8", "replace").splitlines(keepends=True)
    lines = difflib.unified_diff(before, after, f"a/{edited.path}", f"b/{edited.path}")
    return "".join(line if line.endswith(("\n", "\r")) else line + "\n\\ No newline at end of file\n" for line in lines)
