"""The XML reader's fast path through whole files (linter/read/xml.py, `_keeps_nothing`): a file whose bytes show
that the element handlers would keep nothing (no tag of a table some rule reads, nor of an update; too few `<` to
nest too deep; all of it in the first read) is parsed by expat without them. Most files of a source-control
repository are such records. It may change nothing but time, so every test here reads files with the fast path and
with it turned off and compares the whole result: realistic record files of read and unread tables (the bench's
generator), every cut and every fuzz token of one, the hostile files of tests/test_hostile.py and
tests/hostile_shapes.py and their damage done to a record file, and (hypothesis) record files decorated and damaged
and the fixture exports and hostile shapes damaged by tests/test_fuzz.py's mutations. Others pin exact positions
through the fast path, check that it is taken (and where not), that suppressions and SN004 come out the same, and
that time grows linearly.

Bounded by default; SNLINT_DEEP_TESTS=1 runs many more examples."""

from __future__ import annotations

import importlib.util
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any
from unittest import mock

import hostile_shapes
import pytest
from conftest import FIXTURES, ROOT, cpu_seconds
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_fuzz import MUTATIONS, TOKENS
from test_hostile import CASES

from linter.engine import read_options, run
from linter.read import xml as xml_reader
from linter.read.base import ReadOptions, ReadResult
from linter.settings import Settings

DEEP = os.environ.get("SNLINT_DEEP_TESTS") == "1"
OPTIONS = read_options()  # the tables the built-in rules read
GROWTH = 25  # allowed time ratio for 10x the input (linear: ~10, quadratic: ~100)
DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>'
SUPPRESSION = "<!-- snlint: ignore[CRD004] reviewed with the owner -->"
CREDENTIAL = ('<windows_credentials action="INSERT_OR_UPDATE"><name>Mailbox</name>'
              "<sys_id>5a319704d13a52103a946777183c88bc</sys_id><user_name> svc@contoso.com</user_name>"
              "</windows_credentials>")


# -- the two paths --------------------------------------------------------------------------------------------------
@contextmanager
def slow_path() -> Iterator[None]:
    """The reader with the fast path turned off: every element goes through the handlers."""
    with mock.patch.object(xml_reader, "_keeps_nothing", lambda head, size, options: False):
        yield


@contextmanager
def decisions() -> Iterator[list[bool]]:
    """What the reader decided for each file read meanwhile (True: the fast path)."""
    seen: list[bool] = []
    original = xml_reader._keeps_nothing

    def spy(head: bytes, size: int, options: ReadOptions) -> bool:
        seen.append(original(head, size, options))
        return seen[-1]

    with mock.patch.object(xml_reader, "_keeps_nothing", spy):
        yield seen


def read(path: Path, options: ReadOptions = OPTIONS) -> ReadResult:
    fd = os.open(path, os.O_RDONLY)
    try:
        return xml_reader.read_xml(str(path), options, fd, os.fstat(fd).st_size)
    finally:
        os.close(fd)


def outcome(result: ReadResult) -> tuple[Any, ...]:
    return result.records, result.findings, result.is_export, result.reason, result.ignores


def compare(path: Path, data: bytes, options: ReadOptions = OPTIONS) -> tuple[ReadResult, bool]:
    """Read `data` (written to `path`) both ways; the results must be equal. Returns the result and whether the
    fast path was taken."""
    path.write_bytes(data)
    with decisions() as seen:
        fast = read(path, options)
    with slow_path():
        slow = read(path, options)
    assert outcome(fast) == outcome(slow)
    return fast, any(seen)


def located(result: ReadResult) -> list[tuple[str, int, int]]:
    return [(finding.rule, finding.position.line, finding.position.column) for finding in result.findings]


# -- realistic record files (bench/generate.py: the bench's own repository) -------------------------------------------
@cache
def generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("snlint_bench_generate", ROOT / "bench" / "generate.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # (its dataclasses look their module up)
    spec.loader.exec_module(module)
    return module


@cache
def record_files() -> tuple[tuple[str, str], ...]:
    """(table, text) of 48 record files: the everyday mix (unread tables) and the Exchange Online records."""
    generate = generator()
    make = generate.Generator(20240611)
    records = [make.ordinary() for _ in range(40)]
    records += [make.exo_record(group, kind) for group in range(2) for kind in range(4)]
    return tuple((record.table, generate.record_file(record)) for record in records)


def unread_file(number: int = 0) -> str:
    return [text for table, text in record_files() if table not in OPTIONS.tables][number]


def line_ends(text: str) -> Iterator[bytes]:
    """The file with LF, CRLF (and a BOM) and lone-CR line ends."""
    yield text.encode()
    yield b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode()
    yield text.replace("\n", "\r").encode()


def test_realistic_record_files_read_the_same(tmp_path: Path) -> None:
    taken = {True: set(), False: set()}  # type: dict[bool, set[str]]
    for table, text in record_files():
        for data in line_ends(text):
            result, fast = compare(tmp_path / "record.xml", data)
            taken[fast].add(table)
            assert not result.findings and len(result.records) == (table in OPTIONS.tables)
    assert taken[False] == {"sys_alias", "http_connection", "oauth_2_0_credentials", "windows_credentials"}
    assert len(taken[True]) == 8 and not taken[True] & OPTIONS.tables  # the everyday mix, sys_dictionary too


def test_every_cut_of_a_record_file_reads_the_same(tmp_path: Path) -> None:
    """Truncated anywhere (an editor's half-saved file): the same SN001 at the same place, or the same result."""
    data = unread_file(1).replace("\n", "\n" + SUPPRESSION + "\n", 1).encode()
    fast = 0
    for cut in range(len(data) + 1):
        fast += compare(tmp_path / "cut.xml", data[:cut])[1]
    assert fast > len(data) * 0.9  # all but the cuts before the root's name


def test_every_fuzz_token_anywhere_reads_the_same(tmp_path: Path) -> None:
    data = unread_file(2).encode()
    step = 7 if DEEP else 61
    for token in TOKENS:
        for at in range(0, len(data) + 1, step):
            compare(tmp_path / "token.xml", data[:at] + token + data[at:])


# -- hostile files -----------------------------------------------------------------------------------------------
XML_CASES = [case for case in CASES if case.filename.endswith(".xml")]


@pytest.mark.parametrize("case", XML_CASES, ids=[case.filename for case in XML_CASES])
def test_hostile_files_read_the_same(tmp_path: Path, case: Any) -> None:
    compare(tmp_path / case.filename, case.build(tmp_path))


SEEDS = {name: data for files in hostile_shapes.seeds(1).values() for name, data in files.items()
         if name.endswith(".xml")}


@pytest.mark.parametrize("name", sorted(SEEDS))
def test_hostile_shapes_read_the_same(tmp_path: Path, name: str) -> None:
    compare(tmp_path / name, SEEDS[name])


def _record(text: str = "") -> str:
    """A record file of an unread table, `text` in its description (verbatim: markup or damage)."""
    return (f'{DECLARATION}<record_update table="sys_properties">\n'
            '    <sys_properties action="INSERT_OR_UPDATE">\n'
            f"        <description>{text}</description>\n"
            "        <name>x_acme_hd.cache.size</name>\n"
            "        <sys_id>adbfba49c0d5823b673db6596535e50e</sys_id>\n"
            "    </sys_properties>\n"
            "</record_update>\n")


# Each: the file's bytes, whether the fast path reads it, and the first finding's (rule, line, column).
HOSTILE_RECORDS: dict[str, tuple[bytes, bool, tuple[str, int, int] | None]] = {
    "doctype": (_record().replace("?>", "?>\n<!DOCTYPE record_update>", 1).encode(), False, ("refused", 2, 1)),
    "entity": (_record().replace("?>", '?>\n<!DOCTYPE r [<!ENTITY a "b">]>', 1).encode(), False,
               ("refused", 2, 1)),
    "doctype after the root": (_record("<!DOCTYPE x>").encode(), True, ("unparseable", 3, 24)),
    "deep": (_record("<x>" * 600 + "</x>" * 600).encode(), False, ("refused", 3, 22 + 497 * 3)),
    "240 deep": (_record("<x>" * 240 + "</x>" * 240).encode(), True, None),  # `<` of end tags count too
    "invalid UTF-8": (_record("caf\udce9").encode("utf-8", "surrogateescape"), True, ("refused", 3, 25)),
    "latin-1 declared": (_record("caf\u00e9").replace("UTF-8", "ISO-8859-1").encode("latin-1"), True,
                         ("refused", 3, 25)),
    "NUL": (_record("a\x00b").encode(), False, ("refused", 3, 23)),
    "control character": (_record("a\x07b").encode(), True, ("unparseable", 3, 23)),
    "trailing garbage": ((_record() + "garbage\n").encode(), True, ("unparseable", 8, 1)),
    "two roots": ((_record() + "<record_update/>\n").encode(), True, ("unparseable", 8, 1)),
    "mismatched tag": (_record("</name>").encode(), True, ("unparseable", 3, 24)),
    "unclosed": (_record().encode()[:-30], True, ("unparseable", 6, 5)),
    "CDATA never closed": (_record("<![CDATA[a").encode(), True, ("unparseable", 8, 1)),
    "comment never closed": (_record("<!-- a").encode(), True, ("unparseable", 3, 22)),
    "BOM and CRLF": (b"\xef\xbb\xbf" + _record().replace("\n", "\r\n").encode(), True, None),
    "UTF-16": (_record().encode("utf-16"), False, ("refused", 1, 1)),
    "empty": (b"", False, ("unparseable", 1, 1)),
    "blank": (b" \n\t\n", False, ("unparseable", 1, 1)),
    "prolog over 4 KiB": (_record().replace("?>", "?>" + "<!--" + "x" * 5000 + "-->", 1).encode(), False, None),
    "read table second": (_record().replace("</record_update>", CREDENTIAL + "</record_update>").encode(), False,
                          None),
    "read table in CDATA": (_record(f"<![CDATA[{CREDENTIAL}]]>").encode(), False, None),
    "read table in a comment": (_record("<!-- <sys_alias> -->").encode(), False, None),
    "read table escaped": (_record(CREDENTIAL.replace("<", "&lt;")).encode(), True, None),
    "an update": (_record("<sys_update_xml><name>x</name></sys_update_xml>").encode(), False, None),
    "list export of an unread table": (
        f'{DECLARATION}\n<unload unload_date="2024-09-04 08:15:02">\n<!-- a list -->\n<sys_properties>'
        "<sys_id>1</sys_id></sys_properties>\n</unload>\n".encode(), True, None),
    "not an export": (b'<?xml version="1.0"?>\n<project><modelVersion>4.0.0</modelVersion></project>\n', False,
                      None),
}


@pytest.mark.parametrize("name", HOSTILE_RECORDS)
def test_hostile_record_files_read_the_same_at_the_same_place(tmp_path: Path, name: str) -> None:
    data, fast, first = HOSTILE_RECORDS[name]
    result, taken = compare(tmp_path / "record.xml", data)
    assert taken == fast
    assert located(result)[:1] == ([first] if first else [])
    assert result.is_export == (name != "not an export")


def test_a_file_larger_than_the_first_read_takes_the_handlers(tmp_path: Path) -> None:
    data = _record("word " * (xml_reader.CHUNK // 5 + 10)).encode()
    result, fast = compare(tmp_path / "large.xml", data)
    assert not fast and not result.findings


def test_the_depth_limit_counts(tmp_path: Path) -> None:
    """With a lower max_depth, a file holding more `<` than it takes the handlers, which refuse the deep element."""
    data = _record("<x>" * 8 + "</x>" * 8).encode()  # 11 levels, 27 `<`
    assert compare(tmp_path / "r.xml", data, ReadOptions(OPTIONS.tables, max_depth=27))[1]
    result, fast = compare(tmp_path / "r.xml", data, ReadOptions(OPTIONS.tables, max_depth=9))
    assert not fast and located(result) == [("refused", 3, 22 + 6 * 3)]


@pytest.mark.parametrize(("data", "root"), [
    ('<?xml version="1.0"?>\n<unload\u0301><x>&bogus;</x></unload\u0301>', "unload\u0301"),  # a combining accent
    ('<record_update\u00b7><!-- snlint: ignore[CRD004] r --><x/></record_update\u00b7>', "record_update\u00b7"),
    ('<!-- first -->\n<unload\u00b7 a="1"/>', "unload\u00b7"),  # a middle dot
])
def test_a_root_whose_name_goes_on_past_python_word_characters_is_not_an_export(tmp_path: Path, data: str,
                                                                                root: str) -> None:
    """XML names allow characters Python's \\w does not match: the root is `unload\u0301`, not `unload`."""
    result, fast = compare(tmp_path / "root.xml", data.encode())
    assert not fast and not result.is_export and result.findings == [] and result.ignores == []
    assert result.reason == f"XML root element <{root}> is not a ServiceNow export"


# -- suppressions -------------------------------------------------------------------------------------------------
def test_suppressions_in_files_of_unread_tables(tmp_path: Path) -> None:
    """The comment handler stays: a suppression is taken at its place, in document order, also between records of a
    list export (which the handlers hold until the next record starts)."""
    record = _record().replace("        <name>", f"        {SUPPRESSION}\n        <name>")
    result, fast = compare(tmp_path / "record.xml", record.encode())
    assert fast and [(ignore.rules, ignore.position.line, ignore.position.column, ignore.lines)
                     for ignore in result.ignores] == [(("CRD004",), 4, 9, (4, 5))]
    listed = (f'{DECLARATION}\n<unload unload_date="2024-09-04 08:15:02">\n{SUPPRESSION}\n'
              "<sys_properties><sys_id>1</sys_id><!-- snlint: ignore[EXO001] second --></sys_properties>\n"
              "<!-- snlint: ignore[CRD002] third -->\n</unload>\n")
    result, fast = compare(tmp_path / "list.xml", listed.encode())
    assert fast and [(ignore.rules, ignore.position.line) for ignore in result.ignores] == [
        (("CRD004",), 3), (("EXO001",), 4), (("CRD002",), 5)]
    after = listed + "<!-- snlint: ignore[CRD003] after the root -->\n"  # the one before </unload> comes first
    result, fast = compare(tmp_path / "list.xml", after.encode())
    assert fast and [ignore.position.line for ignore in result.ignores] == [3, 4, 5, 7]


def test_an_unused_suppression_is_reported_the_same(tmp_path: Path) -> None:
    (tmp_path / "sys_properties.xml").write_text(
        _record().replace("        <name>", f"        {SUPPRESSION}\n        <name>"), encoding="utf-8")

    def lint() -> list[tuple[str, str, int, int]]:
        result = run([str(tmp_path)], Settings(), use_context=False)
        return [(item.rule, Path(item.position.path).name, item.position.line, item.position.column)
                for item in result.findings]

    with decisions() as seen:
        fast = lint()
    with slow_path():
        slow = lint()
    assert seen == [True]
    assert fast == slow == [("SN004", "sys_properties.xml", 4, 9)]


# -- the expression of the tags that may be read ---------------------------------------------------------------------
def test_read_tags() -> None:
    tags = xml_reader._read_tags(frozenset({"oauth_entity", "oauth_entity_profile", "sys_alias", "sys_auth"}))
    assert tags.pattern == b"<(?:oauth_entity|sys_(?:a(?:lias|uth)|update_xml))"
    cases = {
        b"<oauth_entity>": True, b"<oauth_entity_profile/>": True, b"<sys_alias_x>": True, b"</sys_alias>": False,
        b"<sys_auth ": True, b"<sys_aut>": False, b"<sys_update_xml>": True, b"sys_alias": False, b"< sys_alias": False,
        b"<sys_script><sys_alia>": False, b"<sys_script><sys_alias>": True,
    }
    assert {text: tags.search(text) is not None for text in cases} == cases
    assert xml_reader._read_tags(frozenset()).pattern == b"<sys_update_xml"
    long = "u_" + "x" * 5000  # a custom rule's table: one level per fork, not per byte
    tags = xml_reader._read_tags(frozenset({long + "a", long + "b", "u_y"}))
    assert tags.search(f"<{long}b>".encode()) and not tags.search(f"<{long}c>".encode())


# -- property: decorated and damaged record files ---------------------------------------------------------------------
INSERTS = (
    SUPPRESSION, "<!-- a note -->", '<sys_translated_text action="delete_multiple" query="documentkey=x"/>',
    CREDENTIAL, f"<notes><![CDATA[{CREDENTIAL}]]></notes>", "<!-- <sys_alias> -->", "<?note here?>",
    "<sys_update_xml><name>x</name></sys_update_xml>", "<!DOCTYPE record_update>", "&amp;&#13;&lt;",
)


@st.composite
def record_file(draw: st.DrawFn) -> tuple[bytes, ReadOptions]:
    """A realistic record file (of a table read or not), with markup inserted between its lines, maybe a list
    export's root, nesting near the depth limit, other line ends and a BOM, and then fuzz damage."""
    table, text = draw(st.sampled_from(record_files()))
    lines = text.split("\n")
    for _ in range(draw(st.integers(0, 2))):
        at = draw(st.integers(0, len(lines)))
        lines.insert(at, draw(st.sampled_from(INSERTS)))
    max_depth = draw(st.sampled_from([500, 300]))
    if draw(st.sampled_from(range(3))) == 2:  # nesting the fast path reads (it counts end tags too), or near the limit
        depth = draw(st.integers(1, max_depth // 2 - 60) | st.integers(max_depth - 4, max_depth + 2))
        at = draw(st.integers(1, len(lines) - 1))
        lines.insert(at, "<x>" * depth + "</x>" * depth)
    text = "\n".join(lines)
    if draw(st.sampled_from(range(4))) == 3:
        text = text.replace(f'<record_update table="{table}">', '<unload unload_date="2024-09-04 08:15:02">', 1)
        text = text.replace("</record_update>", "</unload>")
    data = text.replace("\n", draw(st.sampled_from(["\n", "\r\n", "\r"]))).encode()
    if draw(st.booleans()):
        data = b"\xef\xbb\xbf" + data
    for mutation in draw(st.lists(st.sampled_from(MUTATIONS), max_size=2)):
        data = mutation(draw, data)
    tables = OPTIONS.tables | {table} if draw(st.sampled_from(range(6))) == 5 else OPTIONS.tables
    return data, ReadOptions(tables, max_depth=max_depth)


@settings(max_examples=2000 if DEEP else 150, deadline=None, derandomize=not DEEP,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.data_too_large])
@given(case=record_file())
def test_decorated_and_damaged_record_files_read_the_same(tmp_path: Path, case: tuple[bytes, ReadOptions]) -> None:
    data, options = case
    compare(tmp_path / "record.xml", data, options)


FIXTURE_FILES = sorted(FIXTURES.rglob("*.xml"))


@st.composite
def damaged_export(draw: st.DrawFn) -> bytes:
    """An export of the fixture scenarios or a hostile shape, after a few of tests/test_fuzz.py's mutations."""
    data = draw(st.sampled_from(FIXTURE_FILES).map(Path.read_bytes) | st.sampled_from(sorted(SEEDS.values())))
    for mutation in draw(st.lists(st.sampled_from(MUTATIONS), min_size=1, max_size=4)):
        data = mutation(draw, data)
    return data


@settings(max_examples=2000 if DEEP else 100, deadline=None, derandomize=not DEEP,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.data_too_large])
@given(data=damaged_export())
def test_damaged_exports_read_the_same(tmp_path: Path, data: bytes) -> None:
    compare(tmp_path / "export.xml", data)


# -- time ---------------------------------------------------------------------------------------------------------
def test_deciding_is_linear(tmp_path: Path) -> None:
    """The fast path's scans over a file whose every tag nearly names a read table (each `<` tried the longest)."""
    options = ReadOptions(OPTIONS.tables, max_depth=1 << 20)
    paths = []
    for count in (2_000, 20_000):
        path = tmp_path / f"near_{count}.xml"
        path.write_text(_record("<windows_credential/><oauth_2_0_credential/>" * count), encoding="utf-8")
        paths.append(path)
    with decisions() as seen:
        read(paths[1], options)
    assert seen == [True]
    short = cpu_seconds(lambda: read(paths[0], options), 20)
    long = cpu_seconds(lambda: read(paths[1], options), 3)
    assert long / short < GROWTH, (short, long)
