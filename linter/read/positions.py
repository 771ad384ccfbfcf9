"""Positions inside text: map a character index of a text region back to a file line and column.

Two mappings live here and are used by every XML reader:
- `Region`: a stretch of the original file, decoded, whose first character's position is known; it turns an
  index into that stretch into (line, column). Lines end where an XML parser ends them: at LF, at CRLF (the CR is
  the last character of its line) and at a lone CR. Columns count characters (code points), as expat does.
- `RawCursor`: the logical text an XML parser reports for an element (CDATA sections removed, references and CRLF
  replaced) against the raw text in the file; it turns an offset into the logical text into the line and column
  of the raw text, so a position inside an update-set payload points at the right character of the outer file.

`line_column` gives the same (line, column) convention for a plain character index, for the other readers.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Callable
from typing import Any

from linter.model import Position

_BREAK = re.compile(r"\r\n|\r|\n")


class Region:
    """Decoded file text starting at a known (line, column)."""

    __slots__ = ("_newlines", "column", "line", "path", "text")

    def __init__(self, path: str, text: str, line: int, column: int) -> None:
        self.path = path
        self.text = text
        self.line = line
        self.column = column
        self._newlines: list[int] | None = None

    def _index(self) -> list[int]:
        """Index of the last character of every line break (the LF of a CRLF)."""
        if self._newlines is None:
            text = self.text
            if "\r" in text:
                self._newlines = [match.end() - 1 for match in _BREAK.finditer(text)]
            else:
                newlines = []
                at = text.find("\n")
                while at >= 0:
                    newlines.append(at)
                    at = text.find("\n", at + 1)
                self._newlines = newlines
        return self._newlines

    def line_column(self, index: int) -> tuple[int, int]:
        newlines = self._index()
        before = bisect_right(newlines, index - 1)  # newlines strictly before `index`
        if before == 0:
            return self.line, self.column + index
        return self.line + before, index - newlines[before - 1]

    def position(self, start: int, end: int | None = None) -> Position:
        line, column = self.line_column(start)
        if end is None:
            return Position(self.path, line, column, line, column)
        end_line, end_column = self.line_column(end)
        return Position(self.path, line, column, end_line, end_column)


# What changes the length of the text or a state, outside and inside a CDATA section (a lone CR is a line break of
# the same length, but handled here too so that LF is the only line break plain text can hold). A comment beside
# the text (`<payload><!-- ... --><![CDATA[...`) is no part of it; the file parsed, so every `<!--` has its `-->`.
_OUTSIDE = re.compile(rb"&#?[A-Za-z0-9]+;|<!\[CDATA\[|<!--.*?-->|\r\n?", re.S)
_IN_CDATA = re.compile(rb"\]\]>|\r\n?")
_BREAKS = re.compile(rb"\r\n|\r|\n")
_NAMED = {b"&lt;": 1, b"&gt;": 1, b"&amp;": 1, b"&quot;": 1, b"&apos;": 1}
_WINDOW = 1 << 16  # raw bytes read at a time
_LOOKAHEAD = 64  # a token is never cut at a window's end (numeric references longer than this are not either)
_BLOCK = 1 << 12  # entity-escaped text is measured in blocks of this size
_CHECKPOINT = 1 << 14  # raw bytes between remembered states: a step back re-walks at most this much


def _produced(token: bytes) -> int:
    """How many bytes of logical (parsed, UTF-8) text an entity or character reference stands for."""
    if token in _NAMED:
        return 1
    try:
        number = int(token[3:-1], 16) if token[2:3] in (b"x", b"X") else int(token[2:-1])
        return len(chr(number).encode("utf-8", "surrogatepass"))
    except (ValueError, OverflowError):
        return len(token)  # not a reference expat accepts; the payload would not have parsed


def _escaped_block(buffer: bytes, offset: int, limit: int) -> bytes:
    """Up to _BLOCK bytes of text from `offset` that hold no CDATA marker, CR or character reference and end outside
    any reference, or b"" when there is none."""
    if limit <= offset:
        return b""
    end = min(limit, offset + _BLOCK)
    block = buffer[offset:end]
    cut = max(block.rfind(b"&"), block.rfind(b"<"))
    if cut >= 0 and block.find(b";", cut) < 0 and block.find(b">", cut) < 0:
        block = block[:cut]
    if b"&#" in block or b"<!" in block or b"\r" in block:
        return b""
    return _whole_characters(block, buffer, offset + len(block))


def _whole_characters(piece: bytes, buffer: bytes, end: int) -> bytes:
    """`piece` (the bytes of `buffer` before `end`) without a UTF-8 sequence cut at its end: the cut one is left out,
    or completed from `buffer` when it is all there is, so columns count each character once."""
    if not piece or piece[-1] < 0x80:
        return piece
    at = len(piece) - 1
    while at > 0 and len(piece) - at < 4 and piece[at] & 0xC0 == 0x80:
        at -= 1
    lead = piece[at]
    needed = 2 if 0xC0 <= lead < 0xE0 else 3 if 0xE0 <= lead < 0xF0 else 4 if lead >= 0xF0 else 1
    if at + needed <= len(piece):
        return piece
    return piece[:at] if at else piece + buffer[end : end + needed - len(piece)]


def _after(text: bytes, line: int, column: int) -> tuple[int, int]:
    """The line and column after `text` (a comment: any line breaks, any characters) from (line, column)."""
    breaks = len(_BREAKS.findall(text))
    if breaks:
        line += breaks
        text = _BREAKS.split(text)[-1]
        column = 1
    return line, column + len(text.decode("utf-8", "replace"))


class RawCursor:
    """Maps an offset into the logical text of an element (what an XML parser reports, as UTF-8 bytes: CDATA markers
    removed, references replaced, CRLF as LF) to the line and column of its raw text in the file.

    It walks the raw bytes (read in windows with `read(offset, size)`) alongside the logical offset, so memory stays
    constant whatever the size of the element: a state (logical and raw offsets, line, column, inside CDATA) is kept
    every 16 KiB of raw text, and a lookup behind the current state restarts from the nearest one before it.
    Lines end at LF, CRLF and a lone CR; columns count characters, as expat does.
    """

    __slots__ = ("_buffer", "_buffer_start", "_checkpoints", "_end", "_keys", "_read", "_state")

    def __init__(self, read: Callable[[int, int], bytes], start: int, end: int, line: int, column: int) -> None:
        self._read = read
        self._end = end
        self._state = (0, start, line, column, False)  # logical, raw, line, column, inside CDATA
        self._checkpoints = [self._state]
        self._keys = [0]
        self._buffer = b""
        self._buffer_start = start

    def position(self, logical: int, end: bool = False) -> tuple[int, int, int]:
        """(raw offset, line, column) of the character at `logical` (after any CDATA marker before it); with `end`,
        of the end of the characters before it (past a whole reference, not past a `]]>`)."""
        if logical < self._state[0] or (logical == self._state[0] and end):
            at = bisect_left(self._keys, logical) - 1  # the last state strictly before `logical`
            self._state = self._checkpoints[max(at, 0)]
        self._walk(logical, end)
        return self._state[1], self._state[2], self._state[3]

    def _window(self, raw: int) -> tuple[bytes, int, int]:
        """The buffered raw bytes, the index of `raw` in them, and up to where a token may start (tokens that start
        before it end inside the buffer)."""
        offset = raw - self._buffer_start
        if offset < 0 or offset > len(self._buffer):
            self._buffer, self._buffer_start, offset = b"", raw, 0
        if len(self._buffer) - offset <= _LOOKAHEAD and self._buffer_start + len(self._buffer) < self._end:
            kept = self._buffer[offset:]
            more = self._read(raw + len(kept), min(_WINDOW, self._end - raw - len(kept)))
            if not more:  # the file is shorter than it was: stop there
                self._end = raw + len(kept)
            self._buffer, self._buffer_start, offset = kept + more, raw, 0
        buffer = self._buffer
        more_after = self._buffer_start + len(buffer) < self._end
        return buffer, offset, len(buffer) - _LOOKAHEAD if more_after else len(buffer)

    def _walk(self, target: int, end: bool) -> None:
        logical, raw, line, column, cdata = self._state
        last_checkpoint = self._checkpoints[-1][1]
        while raw < self._end and not (end and logical >= target):
            buffer, offset, limit = self._window(raw)
            # Entity-escaped text in bulk: no more raw bytes than logical ones are missing (a reference is longer
            # than what it stands for), so the block never passes the target; its logical size from counts.
            far = target - logical >= _LOOKAHEAD  # near the target, token by token is quicker
            block = _escaped_block(buffer, offset, min(limit, offset + target - logical)) if far and not cdata else b""
            if block:
                size = len(block) - 3 * (block.count(b"&lt;") + block.count(b"&gt;")) - 4 * block.count(b"&amp;") - (
                    5 * (block.count(b"&quot;") + block.count(b"&apos;")))
            match = None if block else (_IN_CDATA if cdata else _OUTSIDE).search(buffer, offset)
            if block or match is None or match.start() > offset:  # text that maps one to one (LF included)
                if logical >= target:
                    break
                if block:
                    take, piece = len(block), block
                else:
                    stop = limit if match is None or match.start() >= limit else match.start()
                    stop = offset + min(stop - offset, target - logical)
                    piece = _whole_characters(buffer[offset:stop], buffer, stop)
                    take = len(piece)
                breaks = piece.count(b"\n")
                if breaks:
                    line += breaks
                    piece = piece[piece.rfind(b"\n") + 1 :]
                    column = 1
                column += len(piece) if piece.isascii() else len(piece.decode("utf-8", "replace"))
                logical += size if block else take
                raw += take
            else:
                token = match.group()
                if token[0] == 0x0D:  # CR or CRLF: one LF
                    produced = 1
                elif token == b"<![CDATA[":
                    produced, cdata = 0, True
                elif token == b"]]>":
                    produced, cdata = 0, False
                elif token.startswith(b"<!--"):
                    produced = 0
                else:
                    produced = _produced(token)
                if produced and logical >= target:
                    break
                if token[0] == 0x0D:
                    line, column = line + 1, 1
                elif token.startswith(b"<!--"):
                    line, column = _after(token, line, column)
                else:
                    column += len(token)  # a reference or a marker: ASCII
                logical += produced
                raw += len(token)
            if raw - last_checkpoint >= _CHECKPOINT and logical > self._keys[-1]:
                self._checkpoints.append((logical, raw, line, column, cdata))
                self._keys.append(logical)
                last_checkpoint = raw
        self._state = (logical, raw, line, column, cdata)


_NEWLINE = re.compile(r"\r\n|\r|\n")


def line_column(text: str, index: int) -> tuple[int, int]:
    """1-based (line, column) of `text[index]`, with the line breaks of XML, YAML and editors (LF, CRLF, lone CR)
    and columns in characters. For any reader that has a character index (a JSON error's `pos`, a decode error)."""
    line = 1
    start = 0
    for match in _NEWLINE.finditer(text):
        if match.end() > index:
            break
        line += 1
        start = match.end()
    return line, index - start + 1


_TAG_STOPS: tuple[re.Pattern[Any], re.Pattern[Any]] = (re.compile("[\"'>]"), re.compile(b"[\"'>]"))


def line_starts(text: str) -> list[int]:
    """Character index where each line starts, with the line breaks an XML parser recognises (for writers: fixes,
    `snlint record`, the language server)."""
    return [0, *(m.end() for m in _NEWLINE.finditer(text))]


def start_tag_end(text: str | bytes, start: int) -> int:
    """Index just past the `>` of the start tag that begins at `start` (quoted attribute values skipped)."""
    stops = _TAG_STOPS[isinstance(text, bytes)]
    at = start
    while True:
        match = stops.search(text, at)
        if match is None:
            return len(text)
        if match.group() in (">", b">"):
            return match.end()
        close = text.find(match.group(), match.end())
        if close < 0:
            return len(text)
        at = close + 1
