"""Positions: every value the XML reader reports points at exactly that value's text in the original file.

The property test generates inner `record_update` documents, embeds them in an update set (CDATA and
entity-escaped; LF and CRLF; with and without a UTF-8 BOM) and as a source-control record file, reads them with
the real reader and decodes the file text at each reported (line, column)-(end_line, end_column) span.
Plus unit tests of the mapping primitives (Region, RawCursor, start_tag_end).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from pyexpat import ParserCreate

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from linter.discover import Input
from linter.engine import read_file
from linter.model import Position, Record
from linter.read.base import ReadOptions, byte_position
from linter.read.positions import RawCursor, Region, line_column, start_tag_end

DEEP = os.environ.get("SNLINT_DEEP_TESTS") == "1"
EXAMPLES = 600 if DEEP else 60
BOM = "\ufeff"
_BREAK = re.compile(r"\r\n|\r|\n")


# -- the file side: cut the text at a Position, decode it ------------------------------------------------------
def span(text: str, position: Position) -> str:
    """The file text from (line, column) to (end_line, end_column), end exclusive; `text` without its BOM."""
    starts = [0, *(match.end() for match in _BREAK.finditer(text))]
    begin = starts[position.line - 1] + position.column - 1
    end = starts[position.end_line - 1] + position.end_column - 1
    assert 0 <= begin <= end <= len(text), (position, len(text))
    return text[begin:end]


def xml_text(raw: str) -> str:
    """What an XML parser makes of `raw` as element content (entities, CDATA, line ends)."""
    parts: list[str] = []
    parser = ParserCreate()
    parser.CharacterDataHandler = parts.append
    parser.Parse(f"<x>{raw}</x>", True)
    return "".join(parts)


# -- the generated records --------------------------------------------------------------------------------------
def _xml_char(char: str) -> bool:
    code = ord(char)
    return code in (9, 10, 13) or 0x20 <= code <= 0xD7FF or 0xE000 <= code <= 0xFFFD or code >= 0x10000


CHARS = st.one_of(
    st.sampled_from([*"&<>\"' \n\r\t]ab", "]]>", "é", "\U0001f600", "\u2028", "\x85", BOM, "&amp;", "<x>"]),
    st.characters(codec="utf-8").filter(_xml_char),
)
VALUES = st.builds(
    lambda lead, body: " " * lead + body, st.integers(0, 3), st.lists(CHARS, max_size=12).map("".join)
)
NAMES = st.from_regex(r"[a-z][a-z0-9_]{0,11}", fullmatch=True).filter(lambda name: name != "sys_id")


@dataclass(frozen=True)
class Field:
    name: str
    value: str
    cdata: bool  # inner CDATA section instead of escaping
    empty_tag: bool  # an empty value written <name/>
    display: str | None  # a display_value attribute


@dataclass(frozen=True)
class Inner:
    table: str
    sys_id: str
    fields: tuple[Field, ...]
    separator: str  # between the field elements

    def document(self) -> str:
        body = self.separator.join(_element(field) for field in self.fields)
        return (
            f'<?xml version="1.0" encoding="UTF-8"?><record_update table="{self.table}">{self.separator}'
            f'<{self.table} action="INSERT_OR_UPDATE">{self.separator}{body}{self.separator}</{self.table}>'
            f"{self.separator}</record_update>"
        )

    @property
    def has_cdata(self) -> bool:
        return any(field.cdata for field in self.fields)


def _escape(text: str, attribute: bool = False) -> str:
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")
    if attribute:  # attribute values are normalised (a raw line end or tab becomes a space): keep them as references
        text = text.replace('"', "&quot;").replace("\n", "&#10;").replace("\t", "&#9;")
    return text


def _element(field: Field) -> str:
    attributes = f' display_value="{_escape(field.display, attribute=True)}"' if field.display is not None else ""
    if field.empty_tag:
        return f"<{field.name}{attributes}/>"
    text = f"<![CDATA[{field.value}]]>" if field.cdata else _escape(field.value)
    return f"<{field.name}{attributes}>{text}</{field.name}>"


@st.composite
def fields(draw: st.DrawFn, name: str, value: str | None = None) -> Field:
    value = draw(VALUES) if value is None else value
    cdata_ok = "]]>" not in value and "\r" not in value
    cdata = cdata_ok and draw(st.booleans())
    empty_tag = not value and draw(st.booleans())
    display = draw(st.one_of(st.none(), st.sampled_from(["", "a > b", "Tom & Jerry", 'say "hi"']), VALUES))
    return Field(name, value, cdata, empty_tag, display)


@st.composite
def inners(draw: st.DrawFn) -> Inner:
    table = draw(st.sampled_from(["windows_credentials", "sys_alias", "x_app_table", "oauth_2_0_credentials"]))
    sys_id = draw(st.from_regex(r"[0-9a-f]{32}", fullmatch=True))
    names = draw(st.lists(NAMES, max_size=6, unique=True))
    generated = [draw(fields(name)) for name in names]
    at = draw(st.integers(0, len(generated)))
    generated.insert(at, draw(fields("sys_id", sys_id)))
    separator = draw(st.sampled_from(["", "\n", "\n    ", "\n\t"]))
    return Inner(table, sys_id, tuple(generated), separator)


# -- containers ---------------------------------------------------------------------------------------------------
def update_set(inner: Inner, cdata: bool, prefix: str) -> str:
    document = inner.document()
    payload = f"<![CDATA[{document}]]>" if cdata else document.replace("&", "&amp;").replace("<", "&lt;").replace(
        ">", "&gt;"
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><unload unload_date="2024-09-04 08:15:02">\n'
        '<sys_remote_update_set action="INSERT_OR_UPDATE">\n<name>Generated \U0001f600 set</name>\n'
        "<sys_id>550a9152534452103a946777183c88c7</sys_id>\n</sys_remote_update_set>\n"
        '<sys_update_xml action="INSERT_OR_UPDATE">\n<action>INSERT_OR_UPDATE</action>\n'
        f"<comments>{prefix}</comments><name>{inner.table}_{inner.sys_id}</name><payload>{payload}</payload>\n"
        "<sys_updated_on>2024-09-04 08:15:02</sys_updated_on>\n</sys_update_xml>\n</unload>\n"
    )


def variants(text: str) -> list[tuple[str, bytes]]:
    """The file with LF, CRLF and lone-CR line ends, each without and with a UTF-8 BOM."""
    out = []
    for ending in ("\n", "\r\n", "\r"):
        body = text.replace("\n", ending)
        for bom in ("", BOM):
            label = f"{ending.encode().hex()}-{'bom' if bom else 'plain'}"
            out.append((label, (bom + body).encode("utf-8")))
    return out


def read(tmp: Path, name: str, data: bytes, tables: frozenset[str]) -> list[Record]:
    path = tmp / name
    path.write_bytes(data)
    result = read_file(Input(str(path), "xml", True), ReadOptions(tables=tables))
    assert not result.findings, [f"{f.rule} {f.position} {f.message}" for f in result.findings]
    return result.records


def check_record(record: Record, inner: Inner, file_text: str, levels: int, entity_payload: bool) -> None:
    """Every field of `record` decodes, at its position, to the generated value."""
    assert record.table == inner.table
    assert record.sys_id == inner.sys_id
    assert set(record.fields) == {field.name for field in inner.fields}
    head = span(file_text, Position("", record.position.line, record.position.column, record.position.line,
                                    record.position.column + len(inner.table) + 4))
    assert head.startswith(("&lt;" if entity_payload else "<") + inner.table), head
    for field in inner.fields:
        value = record.fields[field.name]
        assert value.text == field.value
        assert value.display == field.display
        raw = span(file_text, value.position)
        if field.empty_tag:  # <name/>: located at its `<`, zero width
            assert raw == ""
            start = value.position
            after = span(file_text, Position("", start.line, start.column, start.line, start.column + len(field.name)
                                             + 4))
            assert after.startswith(("&lt;" if entity_payload else "<") + field.name), after
            continue
        decoded = raw
        for level in range(levels):
            literal = field.cdata and level == levels - 1  # the payload's own CDATA: only line ends change
            decoded = xml_text(f"<![CDATA[{decoded}]]>" if literal else decoded)
        assert decoded == field.value, (field, value.position, raw)


PROFILE = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=not DEEP,  # the default run is the same every time; the deep run explores
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@PROFILE
@given(inner=inners(), prefix=st.sampled_from(["", "\U0001f600 é", "a\U0001f600\U0001f601b", "x" * 40]))
def test_update_set_payload_values_point_at_their_text(tmp_path: Path, inner: Inner, prefix: str) -> None:
    forms = [(False, 2)] + ([] if inner.has_cdata else [(True, 1)])  # (cdata payload, decoding levels)
    tables = frozenset({inner.table})
    for cdata, levels in forms:
        for label, data in variants(update_set(inner, cdata, prefix)):
            records = read(tmp_path, f"{label}.xml", data, tables)
            assert len(records) == 1
            file_text = data.decode("utf-8").removeprefix(BOM)
            check_record(records[0], inner, file_text, levels, entity_payload=not cdata)
            assert records[0].updated_on == "2024-09-04 08:15:02"


@PROFILE
@given(inner=inners())
def test_record_file_values_point_at_their_text(tmp_path: Path, inner: Inner) -> None:
    for label, data in variants(inner.document()):
        records = read(tmp_path, f"{label}.xml", data, frozenset({inner.table}))
        assert len(records) == 1
        check_record(records[0], inner, data.decode("utf-8").removeprefix(BOM), 1, entity_payload=False)


@PROFILE
@given(inner=inners())
def test_list_export_values_point_at_their_text(tmp_path: Path, inner: Inner) -> None:
    document = inner.document()
    body = document[document.index("<", 1 + document.index("<record_update")):document.rindex("</record_update>")]
    text = f'<?xml version="1.0" encoding="UTF-8"?>\n<unload unload_date="2024-09-04 08:15:02">\n{body}\n</unload>\n'
    for label, data in variants(text):
        records = read(tmp_path, f"{label}.xml", data, frozenset({inner.table}))
        assert len(records) == 1
        check_record(records[0], inner, data.decode("utf-8").removeprefix(BOM), 1, entity_payload=False)


def test_malformed_payload_error_points_into_the_payload(tmp_path: Path) -> None:
    inner = '<?xml version="1.0" encoding="UTF-8"?><record_update table="sys_alias"><sys_alias>\n<a>\U0001f600</b>'
    for cdata in (True, False):
        payload = f"<![CDATA[{inner}]]>" if cdata else inner.replace("&", "&amp;").replace("<", "&lt;").replace(
            ">", "&gt;")
        text = (
            '<?xml version="1.0" encoding="UTF-8"?><unload unload_date="2024-09-04 08:15:02">\n'
            '<sys_update_xml action="INSERT_OR_UPDATE">\n<name>sys_alias_1ff4d76b843b43108a39d5d8072fcfc2</name>'
            f"<payload>{payload}</payload>\n</sys_update_xml>\n</unload>\n"
        )
        path = tmp_path / "bad.xml"
        path.write_text(text, encoding="utf-8")
        result = read_file(Input(str(path), "xml", True), ReadOptions(tables=frozenset({"sys_alias"})))
        assert [f.rule for f in result.findings] == ["unparseable"]  # the problem kind SN001 binds
        position = result.findings[0].position
        # expat stops at the name of the mismatched end tag `</b>`
        line = text.split("\n")[position.line - 1]
        assert position.line == 4
        assert line[position.column - 1:].startswith("b>" if cdata else "b&gt;"), (position, line)


# -- unit tests of the mapping primitives -------------------------------------------------------------------------
def test_region_counts_lines_and_columns_from_its_start() -> None:
    region = Region("f.xml", "ab\ncd\r\nef\rgh", 7, 5)
    assert region.line_column(0) == (7, 5)
    assert region.line_column(1) == (7, 6)
    assert region.line_column(3) == (8, 1)
    assert region.line_column(5) == (8, 3)  # the CR of a CRLF is the last character of its line
    assert region.line_column(7) == (9, 1)
    assert region.line_column(10) == (10, 1)  # a lone CR ends a line, as it does for an XML parser
    assert region.position(3, 5) == Position("f.xml", 8, 1, 8, 3)
    assert region.position(1) == Position("f.xml", 7, 6, 7, 6)


def test_region_ignores_unicode_line_separators() -> None:
    region = Region("f.xml", "a\u2028b\x85c\x0bd", 1, 1)
    assert region.line_column(6) == (1, 7)


@pytest.mark.parametrize(
    ("raw", "logical", "marks"),
    [
        ("plain", "plain", {0: 0, 4: 4}),
        ("a&amp;b", "a&b", {0: 0, 1: 1, 2: 6}),
        ("&lt;x&gt;", "<x>", {0: 0, 1: 4, 2: 5}),
        ("<![CDATA[a&amp;b]]>c", "a&amp;bc", {0: 9, 1: 10, 6: 15, 7: 19}),
        ("a\r\nb", "a\nb", {1: 1, 2: 3}),
        ("x&#13;y&#x1F600;z", "x\ry\U0001f600z", {1: 1, 2: 6, 3: 7, 4: 16}),
        ("<![CDATA[]]]]><![CDATA[>]]>", "]]>", {0: 9, 2: 23}),
    ],
)
def test_raw_cursor_maps_logical_to_raw(raw: str, logical: str, marks: dict[int, int]) -> None:
    """`marks`: logical character index -> raw character index (the cursor works in UTF-8 byte offsets)."""
    assert xml_text(raw) == logical
    for at, expected in marks.items():
        assert cursor(raw).position(len(logical[:at].encode()))[0] == len(raw[:expected].encode()), at
    walked = cursor(raw)  # one cursor, asked out of order, answers the same
    for at, expected in sorted(marks.items(), reverse=True):
        assert walked.position(len(logical[:at].encode()))[0] == len(raw[:expected].encode()), at


def cursor(raw: str) -> RawCursor:
    data = raw.encode()
    return RawCursor(lambda offset, size: data[offset : offset + size], 0, len(data), 1, 1)


@pytest.mark.parametrize(
    ("raw", "end", "expected"),
    [
        ("a&amp;", 2, 6),  # the last character came from an entity: the end is past the `;`
        ("a&amp;b", 2, 6),
        ("ab]]>", 2, 2),  # a CDATA end after the last character is not part of the value
        ("<![CDATA[ab]]>", 2, 11),
        ("a\r\n", 2, 3),
        ("&lt;x&gt;", 3, 9),
    ],
)
def test_unescape_raw_end(raw: str, end: int, expected: int) -> None:
    if raw.endswith("]]>") and not raw.startswith("<![CDATA["):
        raw = "<![CDATA[" + raw
        expected += 9
    logical = xml_text(raw)
    assert cursor(raw).position(len(logical[:end].encode()), end=True)[0] == len(raw[:expected].encode())


@pytest.mark.parametrize(
    ("text", "start", "expected"),
    [
        ("<a>x</a>", 0, 3),
        ('<a b="x>y" c=\'>\'>z', 0, 17),
        ("xx<a/>", 2, 6),
        ('<a b="unterminated', 0, 18),
    ],
)
def test_start_tag_end(text: str, start: int, expected: int) -> None:
    assert start_tag_end(text, start) == expected


@pytest.mark.parametrize(
    ("text", "index", "expected"),
    [
        ("abc", 0, (1, 1)),
        ("abc", 3, (1, 4)),
        ("a\nb", 2, (2, 1)),
        ("a\r\nb", 1, (1, 2)),  # the CR of a CRLF
        ("a\r\nb", 2, (1, 3)),  # its LF: still the first line
        ("a\r\nb", 3, (2, 1)),
        ("\r\x80", 1, (2, 1)),  # a lone CR ends a line
        ("a\u2028b\x85c", 4, (1, 5)),  # Unicode separators do not
        ("\U0001f600x", 1, (1, 2)),  # columns count characters
    ],
)
def test_line_column(text: str, index: int, expected: tuple[int, int]) -> None:
    assert line_column(text, index) == expected


def test_byte_position_skips_the_bom_and_counts_characters() -> None:
    data = "\ufeffé\r\n\U0001f600x\x00".encode()
    assert byte_position("f", data, data.index(b"\x00")) == Position("f", 2, 3, 2, 3)


def test_raw_cursor_lines_and_columns() -> None:
    raw = "ab\n&lt;\r\nx\ry\u2028z<![CDATA[\r\n\U0001f600]]>w"
    logical = xml_text(raw)
    walk = cursor(raw)
    marks = {"a": (1, 1), "<": (2, 1), "x": (3, 1), "y": (4, 1), "z": (4, 3), "\U0001f600": (5, 1), "w": (5, 5)}
    for char, expected in marks.items():
        assert walk.position(len(logical[: logical.index(char)].encode()))[1:] == expected, char
