"""The one sanitizer for every human-readable output (lint text, inventory, stderr messages, Mermaid labels).

Text read from an input can hold anything: terminal escape sequences (window titles, OSC-8 links), bells, NUL,
bidirectional controls that reorder what a reviewer sees, zero-width characters that hide a difference, and lone
surrogates that no UTF-8 writer accepts. `printable` shows every such character as a visible escape, so what is
printed is what the file holds and every output can be encoded as UTF-8.
"""

from __future__ import annotations

import unicodedata
from typing import Any

# Format characters (Cf: bidi controls U+200E/F, U+202A-E, U+2066-9, U+061C, zero-width U+200B-D, U+2060, U+FEFF,
# ...), controls (Cc: C0, DEL, C1), line / paragraph separators and surrogates (Cs) are escaped.
_ESCAPED = frozenset(("Cc", "Cf", "Cs", "Zl", "Zp", "Co", "Cn"))


def _escape(char: str) -> str:
    code = ord(char)
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


def printable(text: str) -> str:
    """`text` safe to show to a person: controls, format, bidi, zero-width, private-use, unassigned and surrogate
    characters shown as `\\uXXXX`. Linear in the length of `text`; text that needs nothing is returned as is."""
    if text.isprintable() and text.isascii():
        return text
    category = unicodedata.category
    return "".join(_escape(char) if category(char) in _ESCAPED else char for char in text)


def utf8_safe(text: str) -> str:
    """`text` encodable as UTF-8: lone surrogates (from a JSON `\\ud800` escape, or a file name's undecodable
    bytes under surrogateescape) shown as `\\udcXX`; for machine-readable formats that must keep other text as is."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return "".join(_escape(char) if 0xD800 <= ord(char) <= 0xDFFF else char for char in text)
    return text


def utf8_data(data: Any) -> Any:
    """A JSON-ready document with every string made encodable as UTF-8 (`utf8_safe`): for machine formats."""
    if isinstance(data, str):
        return utf8_safe(data)
    if isinstance(data, dict):
        return {utf8_safe(key): utf8_data(value) for key, value in data.items()}
    if isinstance(data, list | tuple):
        return [utf8_data(value) for value in data]
    return data
