"""XML exports: `<unload>` update sets and list exports, and `<record_update>` source-control record files.

The outer document is streamed through pyexpat in large chunks; only records of the tables some rule reads are
kept. An update set's `sys_update_xml` payload (a whole second document, in CDATA or entity-escaped) is parsed
only when its update name or first element names such a table, and every value found inside it is mapped back,
through the escaping, to its line and column in the original file.

Hostile input: any DOCTYPE or entity declaration is refused (SN002, at its `<!DOCTYPE`), also inside a payload,
so no entity is ever expanded or fetched; files are read as UTF-8 whatever they declare (bytes that are not UTF-8
are refused at their position); nesting is capped. A file whose root is not an export (a pom.xml) is skipped
without a finding, except that a nesting bomb at its start (first 64 KiB) is still refused.
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Iterator
from pyexpat import ErrorString, ExpatError, ParserCreate
from typing import Any

from linter.model import Position, Record, Value
from linter.read.base import (
    InlineIgnore,
    InputProblem,
    ReadOptions,
    ReadResult,
    inline_ignore,
    refused,
    sniff_bytes,
    undecodable_at,
    unparseable,
)
from linter.read.positions import RawCursor, Region, start_tag_end

CHUNK = 1 << 20

MAX_PROLOG = 1 << 20  # how far into a file a DOCTYPE is searched for, to report where it starts
NESTING_SCAN = 1 << 16  # how much of a file that is not an export is parsed, to refuse a nesting bomb
ROOTS = frozenset({"unload", "record_update"})
UPDATE = "sys_update_xml"
UPDATE_FIELDS = frozenset({"action", "name", "sys_updated_on", "payload"})
_UPDATE_NAME = re.compile(r"(.+)_[0-9a-f]{32}")
_FIRST_RECORD = re.compile(r"<record_update\b[^>]*>\s*<([A-Za-z_][\w.\-]*)")
_PROLOG_SKIP = re.compile(r"\s*(?:<\?.*?\?>|<!--.*?-->)", re.S)
_ELEMENT = re.compile(r"\s*<([A-Za-z_][\w.\-:]*)(?=[ \t\r\n/>])")  # the whole name: \w stops at some name characters
# what _sniff_root finds in most files, found without decoding: an XML declaration (one `?`, at its end), white space
# and the root's name, ASCII
_USUAL_PROLOG = re.compile(rb"(?:\xef\xbb\xbf)?<\?xml[^<>?]*\?>[ \t\r\n]*<([A-Za-z_][\w.\-:]*)[ \t\r\n/>]")
_DECLARED = re.compile(rb"(?:\xef\xbb\xbf)?<\?xml[^>]*?\bencoding\s*=\s*[\"']([A-Za-z0-9._\-]+)[\"']")
PAYLOAD_HEAD = 4096  # how much of a payload's text is looked at for its first record when the update name does not say
# The fast path through an update set (see _FileDocument.skippable): byte strings it looks for, and what makes it
# hand an update to the handlers instead (anything but plain elements and text; another name, payload or update).
_UPDATE_TAG = b"<" + UPDATE.encode()
_SYS_ID_BYTES = re.compile(rb"[0-9a-f]{32}")  # as in _UPDATE_NAME
_NAME_TEXT = re.compile(rb"[^&\r\n]+")  # bytes that are their own text, none a line end (`.` in _UPDATE_NAME)
_MEMO = 256  # how many distinct update heads and table names (of up to _MEMO_BYTES) the fast path remembers answers for
_MEMO_BYTES = 1024
_S = rb"[ \t\r\n]"
# the next update's start tag, white space before it, its attributes in double quotes without `<` or `>`
_NEXT_UPDATE = re.compile(_S + rb"*<sys_update_xml(?:" + _S + rb"+[A-Za-z_][\w.\-:]*" + _S + rb"*=" + _S
                          + rb'*"[^"<>]*")*' + _S + rb"*>")
# A tag the fast path stops at: a comment, CDATA section or processing instruction (their text may hold any tag), an
# update's start or end tag, a name or a payload (not a payload_hash). Searched for from where the last one was, it
# finds the next part of an update and proves in the same pass that nothing the handlers act on stands before it.
_MARK = re.compile(rb"<(?:!|\?|/sys_update_xml|sys_update_xml|name|payload(?!_))")
_CLOSE_TRIES = 8  # how many `]` of a CDATA payload are looked at one by one for its end before `]]>` is searched for
_ESCAPES = ((b"&lt;", b"<"), (b"&gt;", b">"), (b"&quot;", b'"'), (b"&apos;", b"'"), (b"&amp;", b"&"))


class _NotAnExport(Exception):
    pass


Anchor = tuple[int, int, int]  # (line, column from 0, byte index) of a parser event


class _Pending:
    """A record being read: its element's attributes, anchor, and the fields captured so far."""

    __slots__ = ("action", "anchor", "fields", "table")

    def __init__(self, table: str, action: str, anchor: Anchor) -> None:
        self.table = table
        self.action = action
        self.anchor = anchor
        self.fields: dict[str, Value] = {}


class _Update:
    """A `sys_update_xml` being read: the few fields that decide whether and how its payload is parsed."""

    __slots__ = ("action", "ignores", "name", "payload", "payload_span", "updated_on")

    def __init__(self, ignores: list[InlineIgnore]) -> None:
        self.ignores = ignores  # suppression comments standing just before it: they cover the whole update
        self.action = ""
        self.name = ""
        self.updated_on = ""
        self.payload: list[bytes] | None = None  # its logical text as UTF-8, in the pieces the parser gave
        self.payload_span: tuple[Anchor, int] | None = None

    def table(self) -> str | None:
        """The payload's table from the update name (`<table>_<sys_id>`), or None when the name does not say."""
        match = _UPDATE_NAME.fullmatch(self.name)
        return match.group(1) if match else None


class _Document:
    """Walks one XML document (the outer file or a payload); `locate` turns a field's extent into a Position."""

    def __init__(self, path: str, options: ReadOptions, outer: bool) -> None:
        self.path = path
        self.options = options
        self.outer = outer
        self.records: list[Record] = []
        self.problems: list[InputProblem] = []
        self.ignores: list[InlineIgnore] = []
        self.before_update: list[InlineIgnore] = []  # suppressions between two elements of an update set
        self.depth = 0
        self.record: _Pending | None = None
        self.update: _Update | None = None
        self.field = ""
        self.field_attrs: dict[str, str] = {}
        self.field_anchor: Anchor = (0, 0, 0)
        self.parts: list[str] = []
        self.payload_pieces: list[bytes] = []
        self.root = ""
        self.update_at = -1  # the byte index of the last `<sys_update_xml` start tag the parser reported
        parser = ParserCreate("UTF-8")  # exports are UTF-8 whatever they declare (no codec lookups, no surprises)
        parser.buffer_text = True
        parser.buffer_size = CHUNK  # text arrives in pieces of up to 1 Mi characters: few calls, no heap fragments
        parser.ordered_attributes = False
        parser.StartElementHandler = self._start
        parser.EndElementHandler = self._end
        parser.StartDoctypeDeclHandler = self._doctype
        parser.EntityDeclHandler = self._entity
        parser.CommentHandler = self._comment
        self.parser = parser

    def release(self) -> None:
        """Drop the handlers. They are this document's methods, so the parser (with its CHUNK text buffer) and the
        document hold each other: without this they wait for the garbage collector, and memory grows with the
        number of payloads read."""
        parser = self.parser
        parser.StartElementHandler = parser.EndElementHandler = parser.CharacterDataHandler = None
        parser.StartDoctypeDeclHandler = parser.EntityDeclHandler = parser.CommentHandler = None
        parser.StartCdataSectionHandler = parser.EndCdataSectionHandler = None

    # -- positions (overridden by the payload document) ------------------------------------------------------
    def anchor(self) -> Anchor:
        parser = self.parser
        return (parser.CurrentLineNumber, parser.CurrentColumnNumber, parser.CurrentByteIndex)

    def locate(self, start: Anchor, end: Anchor) -> Position:
        raise NotImplementedError

    def point(self, anchor: Anchor) -> Position:
        raise NotImplementedError

    def on_update(self, update: _Update) -> None:
        raise NotImplementedError

    def opened(self, anchor: Anchor) -> None:
        """A field whose value is kept starts at `anchor` (the payload document notes where its text starts)."""

    def declaration(self, anchor: Anchor) -> Position:
        """Where the `<!DOCTYPE` the parser is in starts (expat reports the spot after its name)."""
        raise NotImplementedError

    # -- refusals -----------------------------------------------------------------------------------------------
    def _doctype(self, name: str, *_: Any) -> None:
        raise refused(
            "document type declaration (<!DOCTYPE>): ServiceNow exports never contain one; refused for safety",
            self.declaration(self.anchor()),
        )

    def _entity(self, name: str, *_: Any) -> None:
        raise refused(f"entity declaration '{name}': refused for safety", self.declaration(self.anchor()))

    # -- inline suppressions -------------------------------------------------------------------------------------
    def _comment(self, text: str) -> None:
        """`<!-- snlint: ignore[RULE,...] reason -->`: covers its line and the next; in an update set, one standing
        between two elements covers the whole `sys_update_xml` that follows it (decided when the next one starts)."""
        if "snlint:" not in text:
            return
        ignore = inline_ignore(text, self.point(self.anchor()))
        if ignore is None:
            return
        if self.outer and self.depth == 1 and self.root == "unload":
            self.before_update.append(ignore)
        else:
            self.ignores.append(ignore)

    def flush_ignores(self) -> None:
        self.ignores.extend(self.before_update)
        self.before_update = []

    # -- structure ----------------------------------------------------------------------------------------------
    def _start(self, name: str, attrs: dict[str, str]) -> None:
        depth = self.depth = self.depth + 1
        if depth == 3:
            if self.record is not None:
                self.field = name
                self.field_attrs = attrs
                self.field_anchor = self.anchor()
                self.opened(self.field_anchor)
                self.parts = []
                self.parser.CharacterDataHandler = self.parts.append
        elif depth == 2:
            if self.outer and name == UPDATE and self.root == "unload":
                self.update_at = self.parser.CurrentByteIndex
                self.update = _Update(self.before_update)
                self.before_update = []
                self.parser.StartElementHandler = self._update_start  # the hot path of an update set
                self.parser.EndElementHandler = self._update_end
            else:
                self.flush_ignores()
                if name in self.options.tables:
                    self.record = _Pending(name, attrs.get("action", ""), self.anchor())
        elif depth == 1:
            if name not in ROOTS:
                raise _NotAnExport(name)
            self.root = name
        elif depth > self.options.max_depth:
            self._too_deep()

    def _too_deep(self) -> None:
        limit = self.options.max_depth
        raise refused(f"elements nested deeper than {limit} levels: refused", self.point(self.anchor()))

    # Inside a `sys_update_xml`: most of an update set's elements pass through here, so these two do as little as
    # possible: only `action`, `name`, `sys_updated_on` and (for tables a rule reads) `payload` are captured, and
    # only the payload's position is taken.
    def _update_start(self, name: str, attrs: dict[str, str]) -> None:
        depth = self.depth = self.depth + 1
        if depth == 3:
            if name in UPDATE_FIELDS:
                self.field = name
                if name == "payload":
                    if not self._wants_payload():
                        self.field = ""
                        return
                    self.field_anchor = self.anchor()
                    pieces: list[bytes] = []
                    self.payload_pieces = pieces
                    self.parser.CharacterDataHandler = lambda text: pieces.append(text.encode())
                    return
                self.parts = []
                self.parser.CharacterDataHandler = self.parts.append
        elif depth > self.options.max_depth:
            self._too_deep()

    def _update_end(self, name: str) -> None:
        depth = self.depth
        self.depth = depth - 1
        if depth == 3:
            if self.field == name:
                self.parser.CharacterDataHandler = None
                self.field = ""
                if name == "payload":
                    assert self.update is not None
                    self.update.payload = self.payload_pieces
                    self.update.payload_span = (self.field_anchor, self.parser.CurrentByteIndex)
                    self.payload_pieces = []
                else:
                    self._update_field(name, "".join(self.parts))
        elif depth == 2:
            parser = self.parser
            parser.StartElementHandler = self._start
            parser.EndElementHandler = self._end
            update, self.update = self.update, None
            if update is not None:
                if update.ignores:
                    last = parser.CurrentLineNumber
                    self.ignores.extend(ignore._replace(last_line=max(last, ignore.position.line + 1))
                                        for ignore in update.ignores)
                if update.payload is not None:
                    self.on_update(update)

    def _wants_payload(self) -> bool:
        assert self.update is not None
        table = self.update.table()
        return table is None or table in self.options.tables

    def _end(self, name: str) -> None:
        depth = self.depth
        self.depth = depth - 1
        if depth == 3 and self.field == name:
            self.parser.CharacterDataHandler = None
            self.field = ""
            if self.record is not None:
                position = self.locate(self.field_anchor, self.anchor())
                self.record.fields[name] = Value("".join(self.parts), position, self.field_attrs.get("display_value"))
        elif depth == 2 and self.record is not None:
            self._finish(self.record)
            self.record = None
        elif depth == 1:
            self.flush_ignores()  # no update follows: suppressions stay in document order with any after the root

    def _update_field(self, name: str, text: str) -> None:
        update = self.update
        assert update is not None
        if name == "name":
            update.name = text
        elif name == "action":
            update.action = text
        else:
            update.updated_on = text

    def _finish(self, pending: _Pending, update: _Update | None = None) -> None:
        fields = pending.fields
        sys_id = fields.get("sys_id")
        if sys_id is None or not sys_id.text:
            return  # companions such as <sys_translated_text action="delete_multiple"/> carry no record
        table_value = fields.get("sys_class_name")
        table = table_value.text if table_value is not None and table_value.text else pending.table
        deleted = pending.action.upper() == "DELETE"
        updated_on = fields["sys_updated_on"].text if "sys_updated_on" in fields else ""
        if update is not None:
            deleted = deleted or update.action.upper() == "DELETE"
            updated_on = update.updated_on or updated_on
        self.records.append(
            Record(table, sys_id.text, fields, self.point(pending.anchor), deleted, updated_on, len(self.records))
        )


class _FileDocument(_Document):
    """The outer document: positions come from the parser's anchors and the file's own bytes."""

    def __init__(self, path: str, fd: int, options: ReadOptions, bom: bool) -> None:
        super().__init__(path, options, outer=True)
        self.fd = fd
        self.bom = bom
        # the fast path's answers for what repeats from update to update: the fields before the name (whole
        # elements), and the table a name names (its bytes are its text and no rule reads it)
        self.whole_heads: set[bytes] = set()
        self.unread_tables: dict[bytes, bool] = {}

    def raw(self, start: int, end: int) -> str:
        return os.pread(self.fd, max(0, end - start), start).decode("utf-8", "replace")

    def point(self, anchor: Anchor) -> Position:
        line, column, _ = anchor
        column += 1 - (self.bom and line == 1)
        return Position(self.path, line, column, line, column)

    def region(self, anchor: Anchor, end: int) -> Region:
        line, column, start = anchor
        return Region(self.path, self.raw(start, end), line, column + 1 - (self.bom and line == 1))

    def declaration(self, anchor: Anchor) -> Position:
        index = anchor[2]
        if 0 <= index <= MAX_PROLOG:  # a DOCTYPE comes before the root element: near the start
            prolog = os.pread(self.fd, index + 1, 0)
            at = prolog.rfind(b"<!DOCTYPE")
            if at >= 0:
                text = prolog[:at].decode("utf-8", "replace").removeprefix("\ufeff")
                line, column = Region(self.path, text, 1, 1).line_column(len(text))
                return Position(self.path, line, column, line, column)
        return self.point(anchor)

    def locate(self, start: Anchor, end: Anchor) -> Position:
        region = self.region(start, end[2])
        return _value_position(region, region.text)

    def on_update(self, update: _Update) -> None:
        assert update.payload is not None and update.payload_span is not None
        table = update.table()
        pieces = update.payload
        if table is None and not self.wanted_head(_head(pieces, PAYLOAD_HEAD)):
            return
        (line, column, start), end = update.payload_span
        tag = self.raw(start, min(end, start + MAX_PROLOG))  # `<payload>`: its end is where the text starts
        content = start_tag_end(tag, 0)
        line, column = Region(self.path, tag, line, column + 1 - (self.bom and line == 1)).line_column(content)
        cursor = RawCursor(self.read, start + len(tag[:content].encode()), end, line, column)
        payload = _PayloadDocument(self, update, cursor)
        payload.parse(pieces)
        payload.release()
        self.records.extend(payload.records)
        self.problems.extend(payload.problems)
        self.ignores.extend(payload.ignores)

    def read(self, offset: int, size: int) -> bytes:
        return os.pread(self.fd, size, offset)

    def wanted_head(self, head: bytes) -> bool:
        """Whether a payload whose update name does not name its table is parsed: when the first record in the
        first PAYLOAD_HEAD bytes of its text is of a table some rule reads."""
        first = _FIRST_RECORD.search(head.decode("utf-8", "replace"))
        return first is not None and first.group(1) in self.options.tables

    # -- the stream -------------------------------------------------------------------------------------------------
    # Most of an update set is updates of tables no rule reads; handing each of their elements to Python costs more
    # than parsing them. So the file is read into a window (what the parser has been given and at least a chunk
    # more), and where the handlers have just seen a `<sys_update_xml>` start tag, the bytes that follow are looked
    # at: while updates are plain (see `skippable`) and of tables no rule reads, they are given to the parser with
    # no element handler, in one call. The parser still sees every byte (well-formedness, positions, errors); the
    # handlers are back for the next element after them.
    def stream(self, head: bytes, size: int) -> None:
        """Parse the whole file, `head` being its first bytes."""
        parser = self.parser
        window, base, fed = head, 0, 0  # the file's bytes from offset `base`; the parser has had them up to `fed`
        offset = len(head)  # where the file is read next
        eof = offset >= size
        while True:
            if not eof and len(window) - fed <= CHUNK:
                more = os.pread(self.fd, CHUNK, offset)
                offset += len(more)
                eof = not more or offset >= size
                window, base, fed = window[fed:] + more, base + fed, 0
                continue
            limit = len(window) if eof else len(window) - CHUNK
            view = memoryview(window)
            search = fed
            while fed < limit:
                at = window.find(_UPDATE_TAG, search)
                if at < 0 or at >= limit:
                    if eof:  # the file's last bytes: the parse ends with them (no second call, no copy kept)
                        parser.Parse(view[fed:], True)
                        return
                    parser.Parse(view[fed:limit], False)
                    fed = limit
                else:
                    if at > fed:
                        parser.Parse(view[fed:at], False)
                        fed = at
                    if self.between_updates():
                        fed = search = self.at_update(window, view, base, at)
                    else:  # inside a record or an update (text that mentions an update): the handlers see it all
                        search = at + len(_UPDATE_TAG)
            if eof:
                parser.Parse(b"", True)
                return

    def between_updates(self) -> bool:
        return self.depth == 1 and self.root == "unload" and self.record is None and self.update is None

    def at_update(self, window: bytes, view: memoryview, base: int, at: int) -> int:
        """Give the parser the tag at `at` (`<sys_update_xml` between two records) and, when it is a start tag, the
        run of skippable updates it starts; returns how far the parser has been given the window."""
        end = start_tag_end(window, at)
        parser = self.parser
        if end >= len(window):  # a tag longer than a chunk (hostile): the handlers take it
            parser.Parse(view[at:], False)
            return len(window)
        parser.Parse(view[at:end], False)
        update = self.update
        if update is None or self.update_at != base + at or update.ignores:
            return end  # not a start tag (text in a comment) or under a suppression comment: the handlers read it
        run = self.skippable(window, end)
        if run < 0:
            return end
        following = _NEXT_UPDATE.match(window, run)
        while following is not None:  # the plain updates of unread tables that follow it, white space between
            next_run = self.skippable(window, following.end())
            if next_run < 0:
                break
            run = next_run
            following = _NEXT_UPDATE.match(window, run)
        parser.StartElementHandler = parser.EndElementHandler = None
        parser.Parse(view[end:run], False)
        parser.StartElementHandler, parser.EndElementHandler = self._start, self._end
        self.depth, self.update = 1, None
        return run

    def skippable(self, window: bytes, at: int) -> int:
        """Where the update whose content starts at `at` ends (past its `</sys_update_xml>`) when it can be given to
        the parser without handlers, else -1.

        It can when the handlers would keep nothing from it: its payload is not parsed (its name names a table no
        rule reads, or names none and the payload's first record is of such a table). That is decided here from the
        bytes, so only for an update whose shape leaves no doubt: one `<name>` and then one `<payload>` (text, or
        one CDATA section), before them whole elements (see _whole_elements), after them no comment, CDATA,
        processing instruction, name, payload or update, everything in the window. For a well-formed file that is
        exact; where the bytes are not well-formed, the parser, which is given every byte, reports the error.

        Each look goes forward from the last and stops at the next mark (_MARK), at the latest at the update's end
        tag (or, in a CDATA section, at its end): no byte of the update is looked at twice by the same search."""
        mark = _MARK.search(window, at)
        if mark is None:
            return -1
        name_at = mark.start()
        if not window.startswith(b"<name>", name_at):
            return -1
        fields = window[at:name_at]
        if fields not in self.whole_heads:
            if not _whole_elements(fields, 0, len(fields)):
                return -1
            if len(self.whole_heads) < _MEMO and len(fields) <= _MEMO_BYTES:
                self.whole_heads.add(fields)
        name_end = window.find(b"<", name_at + 6)
        if name_end < 0 or not window.startswith(b"</name>", name_end):
            return -1
        mark = _MARK.search(window, name_end + 7)
        if mark is None:
            return -1
        payload_at = mark.start()
        if not window.startswith(b"<payload>", payload_at) or not _whole_elements(window, name_end + 7, payload_at):
            return -1
        sys_id = name_end - 32  # `<table>_<sys_id>`: the table's name is before the last 33 bytes
        named = sys_id - 1 > name_at + 6 and window[sys_id - 1] == 0x5F and _SYS_ID_BYTES.fullmatch(
            window, sys_id, name_end) is not None
        if named:
            table = window[name_at + 6 : sys_id - 1]
            unread = self.unread_tables.get(table)
            if unread is None:  # (not UTF-8: the parser stops at it)
                unread = _NAME_TEXT.fullmatch(table) is not None and table.decode(
                    "utf-8", "replace") not in self.options.tables
                if len(self.unread_tables) < _MEMO and len(table) <= _MEMO_BYTES:
                    self.unread_tables[table] = unread
            if not unread:
                return -1
        elif window.find(b"&", name_at, name_end) >= 0 or window.find(b"\r", name_at, name_end) >= 0:
            return -1  # its text is not its bytes
        # else the name does not say (as _UPDATE_NAME on its text, which is its bytes here)
        content = payload_at + 9
        head: bytes | None = None
        if window.startswith(b"<![CDATA[", content):
            # the first `]]>` is most often among the first few `]`, and a byte is found much faster than three
            close = window.find(b"]", content + 9)
            tries = _CLOSE_TRIES
            while close >= 0 and not window.startswith(b"]]>", close):
                tries -= 1
                close = window.find(b"]", close + 1) if tries else window.find(b"]]>", close)
            if close < 0 or not window.startswith(b"</payload>", close + 3):
                return -1
            if not named:
                head = window[content + 9 : min(close, content + 9 + PAYLOAD_HEAD)]
                if b"\r" in head:
                    return -1  # a CR is not its own text (CRLF is one LF)
            tail = close + 13
        else:
            close = window.find(b"<", content)
            if close < 0 or not window.startswith(b"</payload>", close):
                return -1
            if not named:
                head = _unescaped_head(window[content : min(close, content + 6 * PAYLOAD_HEAD + 36)])
                if head is None:
                    return -1
            tail = close + 10
        if head is not None and self.wanted_head(head):
            return -1
        mark = _MARK.search(window, tail)
        if mark is None:
            return -1
        end = mark.start()
        if not window.startswith(b"</sys_update_xml>", end):
            return -1
        # nothing nested deeper than max_depth (the handlers would refuse it): a level takes a `<` and 7 bytes
        limit = self.options.max_depth - 3
        if (payload_at - at + end - tail) // 7 >= limit and (
                window.count(b"<", at, payload_at) + window.count(b"<", tail, end) >= limit):
            return -1
        return end + 17


def _value_position(region: Region, raw: str) -> Position:
    """Where the text of the element whose start tag begins `raw` starts and ends (a CDATA wrapper skipped); an
    empty element written `<x/>` is located at its `<`."""
    content = start_tag_end(raw, 0)
    if content >= len(raw) and raw.endswith("/>", 0, content):
        return region.position(0)
    body = raw[content:]
    if body.startswith("<![CDATA[") and body.endswith("]]>"):
        return region.position(content + 9, len(raw) - 3)
    return region.position(content, len(raw))


class _PayloadDocument(_Document):
    """A `sys_update_xml` payload: a record_update document whose positions map back into the outer file.

    It is parsed from its logical text (UTF-8 pieces, as the outer parser reported it), so parser byte offsets are
    logical offsets; a RawCursor turns them into lines and columns of the outer file by walking the raw text in the
    file alongside. Only a bounded head of the logical text (for a DOCTYPE's start) and the piece being parsed
    (for a value's start tag) are looked at: memory stays a constant beyond the payload's own text."""

    def __init__(self, outer: _FileDocument, update: _Update, cursor: RawCursor) -> None:
        super().__init__(outer.path, outer.options, outer=False)
        self.update_record = update
        self.cursor = cursor
        self.head = b""  # the first MAX_PROLOG bytes of the logical text: a DOCTYPE can only be there
        self.previous = self.current = b""  # the last two pieces given to the parser (a start tag is in them)
        self.current_start = 0
        self.content = 0  # where the text of the field being read starts (after its start tag)
        self.empty = False  # the field is an empty-element tag, <x/>
        self.cdata_open = self.cdata_close = -1  # a CDATA section starting at `content`; the last one's end
        self.parser.StartCdataSectionHandler = self._cdata_start
        self.parser.EndCdataSectionHandler = self._cdata_end

    def at(self, logical: int) -> Position:
        _, line, column = self.cursor.position(logical)
        return Position(self.path, line, column, line, column)

    def point(self, anchor: Anchor) -> Position:
        return self.at(anchor[2])

    def declaration(self, anchor: Anchor) -> Position:
        at = self.head.rfind(b"<!DOCTYPE", 0, anchor[2] + 1)
        return self.at(at) if at >= 0 else self.point(anchor)

    def opened(self, anchor: Anchor) -> None:
        begin = anchor[2]
        previous_start = self.current_start - len(self.previous)
        if begin >= self.current_start:
            text, offset = self.current, self.current_start
        elif begin >= previous_start:  # the start tag began in the previous chunk
            text, offset = self.previous[begin - previous_start :] + self.current, begin
        else:  # a start tag longer than a chunk (hostile): its value is located at the tag
            text, offset = b"", begin
        end = start_tag_end(text, begin - offset)
        self.content = offset + end
        self.empty = text.endswith(b"/>", 0, end)
        self.cdata_open = self.cdata_close = -1

    def _cdata_start(self) -> None:
        if self.parser.CurrentByteIndex == self.content:
            self.cdata_open = self.content

    def _cdata_end(self) -> None:
        self.cdata_close = self.parser.CurrentByteIndex

    def locate(self, start: Anchor, end: Anchor) -> Position:
        content = self.content
        stop = end[2]
        if self.empty or content > stop:
            return self.point(start)  # an empty element: <x/>
        if self.cdata_open == content and self.cdata_close == stop - 3:
            content += 9  # the value is wrapped in CDATA: it starts after `<![CDATA[` and ends before `]]>`
            stop -= 3
        _, line, column = self.cursor.position(content)
        if stop > content:
            _, end_line, end_column = self.cursor.position(stop, end=True)
        else:
            end_line, end_column = line, column
        return Position(self.path, line, column, end_line, end_column)

    def _finish(self, pending: _Pending, update: _Update | None = None) -> None:
        super()._finish(pending, self.update_record)

    def parse(self, pieces: list[bytes]) -> None:
        parser = self.parser
        fed = 0
        try:
            for chunk in _chunks(pieces):
                if fed < MAX_PROLOG:
                    self.head += chunk[: MAX_PROLOG - fed]
                self.previous, self.current, self.current_start = self.current, chunk, fed
                fed += len(chunk)
                parser.Parse(chunk, False)
            parser.Parse(b"", True)
        except _NotAnExport:
            return
        except InputProblem as problem:
            self.problems.append(problem)
        except ExpatError:
            at = self.at(max(parser.ErrorByteIndex, 0))
            name = self.update_record.name or "?"
            error_text = ErrorString(parser.ErrorCode)
            self.problems.append(unparseable(f"payload of update '{name}' is not well-formed XML: {error_text}", at))


def _whole_elements(window: bytes, start: int, end: int) -> bool:
    """Whether `window[start:end]` (element content with no comment, CDATA section or processing instruction, as
    _MARK proves) holds whole elements only: each one opened in it is closed in it."""
    tags = window.count(b"<", start, end)  # every `<` starts a tag
    # each tag has one `>` of its own: with no other one (in text or an attribute value), every `/>` ends an
    # empty-element tag, and start tags are as many as end tags when nothing is left open
    return tags == 0 or (window.count(b">", start, end) == tags
                         and tags == 2 * window.count(b"</", start, end) + window.count(b"/>", start, end))


def _unescaped_head(raw: bytes) -> bytes | None:
    """The first PAYLOAD_HEAD bytes of the text of entity-escaped `raw`, or None when its references are not only
    the five named ones. `raw` may be cut anywhere after its first 6 * PAYLOAD_HEAD + 36 bytes: a reference is at
    most 6 bytes, so a reference cut at its end is past the head."""
    if b"&#" in raw or b"\r" in raw:
        return None  # a character reference, or a line end that is not its own text
    for reference, character in _ESCAPES:
        raw = raw.replace(reference, character)
    return raw[:PAYLOAD_HEAD]


def _head(pieces: list[bytes], size: int) -> bytes:
    """The first `size` bytes of the text held in `pieces`."""
    head = b""
    for piece in pieces:
        if len(head) >= size:
            break
        head += piece[: size - len(head)]
    return head


def _chunks(pieces: list[bytes]) -> Iterator[bytes]:
    """The pieces joined into chunks of about CHUNK bytes (the parser reports a start tag within two of them), each
    piece released once it is joined."""
    batch: list[bytes] = []
    size = 0
    pieces.reverse()
    while pieces:
        piece = pieces.pop()
        batch.append(piece)
        size += len(piece)
        if size >= CHUNK:
            yield b"".join(batch)
            batch, size = [], 0
    if batch:
        yield b"".join(batch)


def _reason(error: ExpatError) -> str:
    return str(error).split(":", 1)[0]


def read_xml(path: str, options: ReadOptions, fd: int, size: int) -> ReadResult:
    """Read one XML file (already opened as `fd`): records of the wanted tables, or the reason it cannot be read."""
    result = ReadResult()
    head = os.pread(fd, min(size, CHUNK) or CHUNK, 0)  # not more: a buffer of CHUNK bytes costs more than a file
    problem = sniff_bytes(path, head[:8192])
    if problem is None and (not head or head.isspace()):
        problem = unparseable("empty file: no XML document", Position(path, 1, 1))
    if problem is not None:
        result.findings.append(problem.finding())
        return result
    bom = head.startswith(b"\xef\xbb\xbf")
    root = _sniff_root(head)
    if root is not None and root not in ROOTS:
        return _not_an_export(path, head, options, bom, root)
    document = _FileDocument(path, fd, options, bom)
    parser = document.parser
    try:
        if root is not None and _keeps_nothing(head, size, options):
            parser.StartElementHandler = parser.EndElementHandler = None
            parser.Parse(head, True)  # the whole file, in one call
        else:
            document.stream(head, size)
    except _NotAnExport as error:
        return _not_an_export(path, head, options, bom, str(error))
    except InputProblem as error:
        document.problems.append(error)
    except ExpatError as error:
        line, column = error.lineno, error.offset
        at = document.point((line, column, 0))
        index = parser.ErrorByteIndex
        bad = undecodable_at(path, os.pread(fd, 4, index), at.line, at.column) if index >= 0 else None
        declared = _DECLARED.match(head)
        if bad is not None and declared is not None and declared.group(1).lower() not in (b"utf-8", b"utf8"):
            name = declared.group(1).decode("ascii", "replace")
            bad = refused(f"undecodable text: the file declares encoding '{name}', but ServiceNow exports are UTF-8 "
                          "(re-save the file as UTF-8)", bad.position)
        document.problems.append(bad or unparseable(f"not well-formed XML: {_reason(error)}", at))
    finally:
        document.release()
    document.flush_ignores()
    result.records = document.records
    result.findings = [problem.finding() for problem in document.problems]
    result.ignores = document.ignores
    return result


# Most files of a source-control repository are records of tables no rule reads. Handing each of their elements
# to Python costs more than parsing them, and the element handlers would do nothing with them: where that is
# certain from the bytes, expat reads the file without them. It still checks well-formedness and reports an error
# where it would have with them. The comment handler stays: it takes each suppression where it stands, in document
# order as the handlers would leave them (they hold one between two records of an update set until the next
# element or the root's end). A DOCTYPE never comes here: it stands before the root, and _sniff_root passes only
# comments and processing instructions there.
def _keeps_nothing(head: bytes, size: int, options: ReadOptions) -> bool:
    """Whether the element handlers would do nothing for a file whose root is an export's, `head` being its first
    bytes: `head` is the whole file, no `<` in it starts the name of a table some rule reads or of `sys_update_xml`
    (so no record or update is read), and it has too few `<` for nesting deeper than max_depth (each level takes
    one)."""
    return (len(head) >= size and head.count(b"<") <= options.max_depth
            and _read_tags(options.tables).search(head) is None)


@functools.lru_cache(maxsize=8)
def _read_tags(tables: frozenset[str]) -> re.Pattern[bytes]:
    """`<` followed by one of `tables` or `sys_update_xml`, possibly as the start of a longer name: a tag that may be
    read, or text that looks like one."""
    return re.compile(b"<" + _alternatives(sorted(name.encode() for name in {*tables, UPDATE})))


def _alternatives(names: list[bytes]) -> bytes:
    """A regular expression matching any of `names` (sorted, distinct; each possibly the start of a longer name),
    written as a tree of their common prefixes: each `<` is tried against a few bytes, not against every name (one
    level per fork, so long names do not nest deep)."""
    first, last = names[0], names[-1]  # sorted: what these two start with, all do
    size = 0
    while size < len(first) and first[size] == last[size]:
        size += 1
    common = first[:size]
    if first == common:
        return re.escape(common)  # a name that starts the others: it is enough
    groups: dict[bytes, list[bytes]] = {}
    for name in names:
        rest = name[len(common) :]
        groups.setdefault(rest[:1], []).append(rest)
    return re.escape(common) + b"(?:" + b"|".join(_alternatives(group) for group in groups.values()) + b")"


def _not_an_export(path: str, head: bytes, options: ReadOptions, bom: bool, root: str) -> ReadResult:
    """A file whose root (`root`) is not an export is skipped; a nesting bomb at its start is still refused."""
    result = ReadResult(is_export=False, reason=f"XML root element <{root}> is not a ServiceNow export")
    parser = ParserCreate("UTF-8")
    depth = 0

    def start(name: str, attrs: dict[str, str]) -> None:
        nonlocal depth
        depth += 1
        if depth > options.max_depth:
            line = parser.CurrentLineNumber
            column = parser.CurrentColumnNumber + 1 - (bom and line == 1)
            raise refused(f"elements nested deeper than {options.max_depth} levels: refused",
                          Position(path, line, column, line, column))

    def end(name: str) -> None:
        nonlocal depth
        depth -= 1

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    try:
        parser.Parse(head[:NESTING_SCAN], False)
    except InputProblem as problem:
        result.findings.append(problem.finding())
    except ExpatError:
        pass  # not an export: its well-formedness is not snlint's business
    return result


def _sniff_root(head: bytes) -> str | None:
    """The root element's name from a file's first bytes, or None when the prolog is longer than that."""
    usual = _USUAL_PROLOG.match(head, 0, 4096)
    if usual is not None:
        return usual.group(1).decode()
    text = head[:4096].decode("utf-8", "replace").lstrip("\ufeff")
    at = 0
    while True:
        skip = _PROLOG_SKIP.match(text, at)
        if skip is None:
            break
        at = skip.end()
    element = _ELEMENT.match(text, at)
    return element.group(1) if element else None


__all__ = ["read_xml"]
