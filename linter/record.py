"""`snlint record CREDENTIAL --as UPN`: write the Microsoft account that authorised an OAuth 2.0 credential.

ServiceNow never exports the account that signed in at 'Get OAuth Token', so it is recorded by hand, right after
the sign-in, where the credential is live-defined (the definition resolution picks when several files define it):
- a YAML / JSON export: `authorized_as` (a UPN, or with --from-token the mapping {upn or preferred_username, oid,
  tid}); existing claims are replaced in place, missing ones added beside them;
- an XML list export, a record_update file or an update-set payload: the configured field (`u_authorized_as`):
  its text replaced, or a new element added after the record's last field, indented like it and escaped for its
  container (entity-escaped or CDATA payload).
Every edit is read back with the real reader before the file is replaced (linter/fix.py), and written atomically.
The token itself is never written or printed: only the claims that name the account and its tenant.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, NamedTuple

from linter.files import rewrite
from linter.fix import (
    FixRefused,
    Snapshot,
    payload_regions,
    xml_cdata,
    xml_text,
    yaml_scalar,
)
from linter.model import Record, Value
from linter.read.positions import line_starts
from linter.resolve import Bundle

if TYPE_CHECKING:
    from linter.settings import Settings

TABLE = "oauth_2_0_credentials"
KEY = "authorized_as"
TOKEN_CLAIMS = ("oid", "tid")
_BOM = b"\xef\xbb\xbf"
_YAML_NULL = re.compile(r"[ \t]*(?:null|Null|NULL|~)?")


class RecordError(Exception):
    """The account cannot be recorded: the message says why (a usage error)."""


class Account(NamedTuple):
    """What to record: the account's claims in the order written (`upn` or `preferred_username` first)."""

    claims: tuple[tuple[str, str], ...]
    from_token: bool

    @property
    def name(self) -> str:
        return self.claims[0][1]


def account_from_token(text: str) -> Account:
    """The account an ID token names (unverified: snlint only reads its claims), never the token itself."""
    from linter.identity import jwt_claims

    claims = jwt_claims(text.strip())
    if claims is None:
        raise RecordError("--from-token: not a JSON Web Token (three base64url parts separated by dots)")
    for claim in ("upn", "preferred_username"):
        value = claims.get(claim)
        if isinstance(value, str) and value.strip():
            extra = tuple((name, str(claims[name])) for name in TOKEN_CLAIMS if isinstance(claims.get(name), str))
            return Account(((claim, value.strip()), *extra), from_token=True)
    raise RecordError("--from-token: the token has no upn or preferred_username claim")


def find_credential(bundle: Bundle, wanted: str) -> Record:
    """The live OAuth 2.0 credential with sys_id or name `wanted`."""
    key = wanted.strip()
    live = bundle.table(TABLE)
    found = [record for record in live if record.sys_id == key] or [
        record for record in live if record.text("name").strip() == key
    ]
    if not found:
        found = [record for record in live if record.text("name").strip().casefold() == key.casefold()]
    if not found:
        raise RecordError(f"no OAuth 2.0 credential (oauth_2_0_credentials) with sys_id or name '{key}' in the inputs")
    if len(found) > 1:
        ids = ", ".join(record.sys_id for record in found)
        raise RecordError(f"several OAuth 2.0 credentials are named '{key}' ({ids}): give the sys_id")
    return found[0]


# -- the edit ----------------------------------------------------------------------------------------------------
class _Text:
    """A file's decoded text (BOM kept apart) and its line starts."""

    __slots__ = ("bom", "text")

    def __init__(self, bom: bool, text: str) -> None:
        self.bom = bom
        self.text = text

    @classmethod
    def of(cls, data: bytes) -> _Text:
        bom = data.startswith(_BOM)
        return cls(bom, data[len(_BOM) if bom else 0 :].decode("utf-8"))

    def index(self, line: int, column: int) -> int:
        return line_starts(self.text)[line - 1] + column - 1

    def encoded(self) -> bytes:
        return (_BOM if self.bom else b"") + self.text.encode("utf-8")


def edit_record(path: str, data: bytes, record: Record, account: Account, field: str) -> bytes:
    """`data` with `account` recorded on `record` (which the reader found in `data`)."""
    try:
        source = _Text.of(data)
    except UnicodeDecodeError as error:
        raise RecordError(f"{path} is not UTF-8 text") from error
    edits = (
        _yaml_edits(source.text, source, record, account, path.lower().endswith(".json"))
        if path.lower().endswith((".yaml", ".yml", ".json"))
        else _xml_edits(source.text, source, record, account.name, field)
    )
    text = source.text
    for start, end, new in sorted(edits, reverse=True):
        text = text[:start] + new + text[end:]
    after = _Text(source.bom, text).encoded()
    _verify(path, data, after, record, account, field)
    return after


Edit = tuple[int, int, str]


def _xml_edits(text: str, source: _Text, record: Record, value: str, field: str) -> list[Edit]:
    from linter.fix import replacement_text

    payloads = payload_regions(text)
    existing = record.get(field)
    if existing is not None:
        start = source.index(existing.position.line, existing.position.column)
        end = source.index(existing.position.end_line, existing.position.end_column)
        if not _self_closing(text, start, end):
            return [(start, end, replacement_text(text, start, end, value, "x.xml", payloads))]
        tag_end = _tag_end(text, start)
        return [(start, tag_end, _wrap(text, start, payloads, f"<{field}>{xml_text(value)}</{field}>"))]
    name, last = max(record.fields.items(), key=lambda item: (item[1].position.line, item[1].position.column))
    start = source.index(last.position.line, last.position.column)
    end = source.index(last.position.end_line, last.position.end_column)
    entity = _in_entity_payload(text, start, payloads)
    lt, gt = ("&lt;", "&gt;") if entity else ("<", ">")
    if _self_closing(text, start, end):
        element_start, element_end = start, _tag_end(text, start)
    else:
        element_start = text.rfind(f"{lt}{name}", 0, start)
        close = f"{lt}/{name}{gt}"
        element_end = text.find(close, end)
        if element_start < 0 or element_end < 0:
            raise RecordError(f"cannot find the <{name}> element of the record")
        element_end += len(close)
    separator_start = element_start
    while separator_start > 0 and text[separator_start - 1] in " \t\r\n":
        separator_start -= 1
    separator = text[separator_start:element_start]
    new = _wrap(text, start, payloads, f"<{field}>{xml_text(value)}</{field}>")
    return [(element_end, element_end, separator + new)]


def _self_closing(text: str, start: int, end: int) -> bool:
    """A zero-width value at an element's `<` (or `&lt;`): an empty element written `<name/>`."""
    return start == end and text.startswith(("<", "&lt;"), start) and not text.startswith(("</", "&lt;/"), start)


def _tag_end(text: str, start: int) -> int:
    ends = [at + len(token) for token in ("/>", "/&gt;") if (at := text.find(token, start)) >= 0]
    if not ends:
        raise RecordError("cannot find the end of an empty element")
    return min(ends)


def _in_entity_payload(text: str, start: int, payloads: Sequence[tuple[int, int]]) -> bool:
    from linter.fix import enclosing_payload

    payload = enclosing_payload(payloads, start)
    return payload is not None and not text.startswith("<![CDATA[", payload)


def _wrap(text: str, start: int, payloads: Sequence[tuple[int, int]], element: str) -> str:
    """An element's XML escaped for the payload holding `start` (as is outside a payload)."""
    from linter.fix import enclosing_payload

    payload = enclosing_payload(payloads, start)
    if payload is None:
        return element
    return xml_cdata(element) if text.startswith("<![CDATA[", payload) else xml_text(element)


def _yaml_edits(text: str, source: _Text, record: Record, account: Account, json_file: bool) -> list[Edit]:
    def scalar(value: str) -> str:
        from linter.fix import yaml_replacement

        return yaml_replacement('"', value, json_file) if json_file else yaml_scalar(value, "'")

    def mapping(claims: Sequence[tuple[str, str]]) -> str:
        separator = '": ' if json_file else ": "
        quote = '"' if json_file else ""
        return "{" + ", ".join(f"{quote}{name}{separator}{scalar(value)}" for name, value in claims) + "}"

    whole = mapping(account.claims) if account.from_token else scalar(account.name)
    existing = record.get(KEY)
    if existing is not None:  # a scalar (or null) authorized_as: replace it
        start = source.index(existing.position.line, existing.position.column)
        end = source.index(existing.position.end_line, existing.position.end_column)
        if start == end:  # a null value is placed on its key: write after the colon
            colon = text.index(":", start) + 1
            null = _YAML_NULL.match(text, colon)
            return [(colon, null.end() if null else colon, " " + whole)]
        return [(start, end, whole)]
    claims = {name[len(KEY) + 1 :]: value for name, value in record.fields.items() if name.startswith(KEY + ".")}
    if claims and not account.from_token:  # replacing only upn would leave the previous account's oid / tid
        raise RecordError(
            f"{record.table} {record.label} records the claims of an ID token in {KEY} ({', '.join(sorted(claims))}): "
            "record the new sign-in with --from-token so that every claim is one account's, or edit the mapping by "
            "hand; nothing written"
        )
    if claims:  # a mapping: replace the claims it has, add the others after its last claim
        edits: list[Edit] = []
        for name, value in account.claims:
            if name in claims:
                at = claims[name].position
                span = source.index(at.line, at.column), source.index(at.end_line, at.end_column)
                edits.append((*span, scalar(value)))
        missing = [(name, value) for name, value in account.claims if name not in claims]
        if missing:
            last = max(claims.values(), key=lambda value: (value.position.line, value.position.column))
            edits.append(_after_claim(text, source, last, [(n, scalar(v)) for n, v in missing], json_file))
        return edits
    sys_id = record.fields["sys_id"]  # a record-level key: its line gives the record's indentation
    indent = _indent(text, source, sys_id)
    end = source.index(record.position.end_line, record.position.end_column)
    if json_file:
        closing = text.rfind("}", 0, end)
        before = _skip_space_back(text, closing)
        breaks = _newline(text) + indent if "\n" in text[source.index(record.position.line, 1) : end] else " "
        return [(before, before, f',{breaks}"{KEY}": {whole}')]
    if text.startswith("{", source.index(record.position.line, record.position.column)):
        raise RecordError("a flow-style ({...}) YAML record is not edited: write authorized_as by hand")
    return [_after_line(text, _skip_space_back(text, end, comments=True), [f"{indent}{KEY}: {whole}"])]


def _skip_space_back(text: str, at: int, comments: bool = False) -> int:
    """Back from `at` over whitespace (and, with `comments`, over whole comment lines) to the last content."""
    while True:
        while at > 0 and text[at - 1] in " \t\r\n":
            at -= 1
        line_start = max(text.rfind("\n", 0, at), text.rfind("\r", 0, at)) + 1
        if not comments or not text[line_start:at].lstrip(" \t").startswith("#"):
            return at
        at = line_start


_BREAK = re.compile(r"\r\n|\r|\n")


def _newline(text: str) -> str:
    found = _BREAK.search(text)
    return found.group() if found else "\n"


def _after_line(text: str, at: int, lines: Sequence[str]) -> Edit:
    """New `lines` after the line holding `at`, with the file's line break."""
    newline = _newline(text)
    found = _BREAK.search(text, at)
    if found is None:  # the last line has no line break
        return (len(text), len(text), "".join(newline + line for line in lines))
    return (found.end(), found.end(), "".join(line + newline for line in lines))


def _indent(text: str, source: _Text, value: Value) -> str:
    """The indentation of the key of the field holding `value` (a `- ` before it counts as spaces)."""
    start = source.index(value.position.line, 1)
    at = start
    while at < len(text) and text[at] in " \t":
        at += 1
    return text[start:at] + ("  " if text.startswith("- ", at) else "")


def _after_claim(text: str, source: _Text, last: Value, entries: Sequence[tuple[str, str]], json_file: bool) -> Edit:
    """New claims beside the claim holding `last`, at its indentation: YAML on the following lines, JSON after
    its value. `entries` hold the claims' values already written as scalars."""
    end = source.index(last.position.end_line, last.position.end_column)
    indent = _indent(text, source, last)
    if json_file:
        return (end, end, "".join(f',{_newline(text)}{indent}"{name}": {value}' for name, value in entries))
    return _after_line(text, end, [f"{indent}{name}: {value}" for name, value in entries])


def _verify(path: str, before: bytes, after: bytes, record: Record, account: Account, field: str) -> None:
    """Read the edited file back: the credential now carries the account, every other value is unchanged."""
    old, new = Snapshot.of(path, before), Snapshot.of(path, after)
    problem = new.new_problem(old)
    if problem:
        raise RecordError(f"recording would make {path} invalid ({problem}): nothing written")
    target = next((r for r in new.records if r.table == record.table and r.sys_id == record.sys_id), None)
    if target is None:
        raise RecordError("the credential would not read back: nothing written")
    wanted = _wanted_fields(path, account, field)
    if any(target.text(name) != value for name, value in wanted.items()):
        raise RecordError("the credential would not read back as intended: nothing written")
    prefix = f"{target.order}:{target.table}:{target.sys_id}:"
    allowed = {prefix + name for name in wanted} | {prefix + KEY}
    keys = set(old.values) | set(new.values)
    changed = {key for key in keys if old.values.get(key, (0, None))[1] != new.values.get(key, (0, None))[1]}
    if not changed <= allowed:
        raise RecordError("recording would change other values of the file: nothing written")


def _wanted_fields(path: str, account: Account, field: str) -> Mapping[str, str]:
    if not path.lower().endswith((".yaml", ".yml", ".json")):
        return {field: account.name}
    if account.from_token:
        return {f"{KEY}.{name}": value for name, value in account.claims}
    return {KEY: account.name}


# -- the command ---------------------------------------------------------------------------------------------------
def record(credential: str, account: Account, paths: Sequence[str], settings: Settings) -> str:
    """Record `account` on `credential`; returns what was done (one line per fact, for stderr)."""
    from linter.engine import make_profile, run
    from linter.escape import printable

    result = run(paths, settings)
    assert result.bundle is not None
    target = find_credential(result.bundle, credential)
    definitions = result.bundle.definitions.get(target.sys_id, [])
    field = make_profile(settings).oauth_fields[0]
    with open(target.path, "rb") as handle:
        data = handle.read()
    try:
        after = edit_record(target.path, data, target, account, field)
    except FixRefused as error:
        raise RecordError(f"{target.path}: {error}: nothing written") from error
    rewrite(target.path, after)
    where = KEY if target.path.lower().endswith((".yaml", ".yml", ".json")) else field
    lines = [
        f"snlint: recorded {printable(account.name)} as {where} of OAuth 2.0 credential "
        f"{printable(target.label)} in {printable(target.path)}"
    ]
    others = sorted({item.path for item in definitions if item is not target})
    if others:
        lines.append(
            f"snlint: the credential is also defined in {', '.join(printable(p) for p in others)}; "
            f"{printable(target.path)} holds the live definition (the latest update)"
        )
    return "\n".join(lines) + "\n"


def read_token(source: str) -> str:
    """The token text from a file, or from standard input for `-`."""
    import sys

    if source == "-":
        return sys.stdin.read()
    if not os.path.isfile(source):
        raise RecordError(f"--from-token: no such file: {source}")
    with open(source, encoding="utf-8") as handle:
        return handle.read()
