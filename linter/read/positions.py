"""Positions inside text: map a character index of a text region back to a file line and column.

Two mappings live here and are used by every XML reader:
- `Region`: a stretch of the original file, decoded, whose first character's position is known; it turns an
  index into that stretch into (line, column). Lines end where an XML parser ends them: at LF, at CRLF (the CR is
  the last character of its line) and at a lone CR. Columns count characters (code points), as expat does.
- `Unescape`: the logical text an XML parser reports for an element (CDATA sections removed, entities and CRLF
  replaced) against the raw text in the file; it turns an index into the logical text into an index into the raw
  text, so a position inside an update-set payload points at the right character of the outer file.

`line_column` gives the same (line, column) convention for a plain character index, for the other readers.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right

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


_TOKEN = re.compile(r"<!\[CDATA\[|\]\]>|&#?[A-Za-z0-9]+;|\r\n")


class Unescape:
    """Index map from the logical (parsed) text of an element to its raw text in the file.

    Each token that changes the length (a CDATA marker, an entity or character reference, a CRLF) adds an entry:
    the logical index just after what it produced, the raw-minus-logical offset from there on, and how many
    characters it produced (0 for a CDATA marker, 1 otherwise).
    """

    __slots__ = ("_deltas", "_produced", "_starts")

    def __init__(self, raw: str) -> None:
        starts = [0]
        deltas = [0]
        produced_by = [0]
        delta = 0
        in_cdata = False
        for match in _TOKEN.finditer(raw):
            token = match.group()
            if token == "<![CDATA[":
                if in_cdata:
                    continue
                in_cdata = True
                produced = 0
            elif token == "]]>":
                if not in_cdata:
                    continue
                in_cdata = False
                produced = 0
            elif token == "\r\n":
                produced = 1
            elif in_cdata:
                continue  # an entity inside CDATA is literal text
            else:
                produced = 1
            delta += len(token) - produced
            starts.append(match.end() - delta)
            deltas.append(delta)
            produced_by.append(produced)
        self._starts = starts
        self._deltas = deltas
        self._produced = produced_by

    def raw_index(self, logical: int) -> int:
        """Where the character at `logical` starts in the raw text (after any CDATA marker before it)."""
        return logical + self._deltas[bisect_right(self._starts, logical) - 1]

    def raw_end(self, logical_end: int) -> int:
        """Where the raw text of the characters before `logical_end` ends (past a whole entity; not past `]]>`)."""
        if logical_end <= 0:
            return self.raw_index(0)
        starts = self._starts
        at = bisect_left(starts, logical_end)
        if at < len(starts) and starts[at] == logical_end and self._produced[at]:
            return logical_end + self._deltas[at]  # the last character came from a token: end past the token
        return self.raw_index(logical_end - 1) + 1


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


def line_starts(text: str) -> list[int]:
    """Character index where each line starts, with the line breaks an XML parser recognises."""
    return [0, *(m.end() for m in _NEWLINE.finditer(text))]


def start_tag_end(text: str, start: int) -> int:
    """Index just past the `>` of the start tag that begins at `start` (quoted attribute values skipped)."""
    at = start
    quote = ""
    length = len(text)
    while at < length:
        char = text[at]
        if quote:
            if char == quote:
                quote = ""
        elif char in "\"'":
            quote = char
        elif char == ">":
            return at + 1
        at += 1
    return length
