"""The XML reader's fast path through update sets (linter/read/xml.py, `_FileDocument.skippable`): plain updates of
tables no rule reads are given to expat without element handlers. It may change nothing but time, so the property
test reads generated update sets (every shape the fast path must refuse, LF/CRLF/CR, BOM, broken bytes) with the
fast path and with it turned off and compares the whole result. The other tests check that it is taken, that
errors inside skipped updates keep their exact positions, and that time and memory grow linearly and flat."""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from unittest import mock

import pytest
from conftest import ROOT, cpu_seconds
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from linter.model import Position
from linter.read import xml as xml_reader
from linter.read.base import ReadOptions, ReadResult
from linter.read.xml import read_xml

DEEP = os.environ.get("SNLINT_DEEP_TESTS") == "1"
TABLES = frozenset({"windows_credentials", "oauth_2_0_credentials"})
MIB = 1 << 20
GROWTH = 25  # allowed time ratio for 10x the input (linear: ~10, quadratic: ~100)

HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?><unload unload_date="2024-09-04 08:15:02">\n'
    '<sys_remote_update_set action="INSERT_OR_UPDATE">\n<name>Fast path</name>\n'
    "<sys_id>550a9152534452103a946777183c88c7</sys_id>\n</sys_remote_update_set>\n"
)
# What an update can hold beyond the plain shape, and where: each one the fast path must leave to the handlers, or
# must read right. A decoy is a `<name>` of an unread table where the handlers do not take a name from.
DECORATIONS = (
    "", "comment-head", "comment-tail", "fake-end-in-comment", "fake-start-in-comment", "cdata-field",
    "nested-head", "nested-name", "nested-name-and-name", "attribute-empty", "nested-tail", "attribute-gt",
    "empty-payload", "fake-end-in-payload", "two-cdata", "split-cdata", "mixed-payload", "nested-payload",
    "payload-name-payload", "second-payload", "second-name", "deep-head", "deep-tail", "name-after-payload", "no-name",
    "name-entity", "name-markup", "two-names", "cr-in-payload", "crlf-lead", "numeric-refs", "pi-tail",
    "brackets-in-payload", "payload-hash-head", "name-line-break",
)
READ_TABLES = ("windows_credentials", "oauth_2_0_credentials")
OTHER_TABLES = ("sys_script_include", "sys_ui_policy")


@dataclass(frozen=True)
class Update:
    table: str  # the payload record's table
    number: int
    dictionary_name: bool  # named like sys_dictionary updates (`<table>_<column>`): the payload decides
    cdata: bool  # payload in CDATA (else entity-escaped)
    table_attribute: bool  # `<record_update table="...">`
    companion: bool  # a second record in the payload, of a table rules read
    decoration: str
    suppressed: bool  # a suppression comment stands before it

    @property
    def sys_id(self) -> str:
        return f"{self.number:032x}"

    def document(self) -> str:
        """The payload's record_update document."""
        decoration = self.decoration
        notes = "a &amp; b" + ("&#13;\n" if decoration == "cr-in-payload" else "")
        if decoration == "brackets-in-payload":  # more `]` than the fast path looks at one by one, a `]]` among them
            notes += " x[1]" * 12 + " y[z[2]]"
        fields = f"<notes>{notes}</notes>"
        if decoration not in ("split-cdata", "mixed-payload"):  # (a `<name>` after the cut would stop the fast path)
            fields = f"<name>Record {self.number}</name>" + fields
        if decoration == "fake-end-in-payload":  # an element of that name in the record (its tags raw in CDATA)
            fields += "<sys_update_xml>x</sys_update_xml>"
        table = f' table="{self.table}"' if self.table_attribute else ""
        companion = (f'<windows_credentials action="INSERT_OR_UPDATE"><sys_id>{self.number + 1:032x}</sys_id>'
                     f"<user_name>c.{self.number}@contoso.com</user_name></windows_credentials>"
                     if self.companion else "")
        lead = "\r\n" * 2100 if decoration == "crlf-lead" else ""  # the first record past 4 KiB of raw text
        return (
            f'<?xml version="1.0" encoding="UTF-8"?>{lead}<record_update{table}><{self.table} '
            f'action="INSERT_OR_UPDATE">{fields}<sys_id>{self.sys_id}</sys_id>'
            f"<user_name>svc.{self.number}@contoso.com</user_name></{self.table}>{companion}</record_update>"
        )

    def payload(self) -> str:
        decoration = self.decoration
        document = self.document()
        cut = document.index(f"<{self.table} ") + 5  # inside the first record's element name
        if decoration == "empty-payload":
            return "<payload/>"
        if self.cdata:
            if decoration == "two-cdata":
                return f"<payload><![CDATA[{document[:30]}]]><![CDATA[{document[30:]}]]></payload>"
            if decoration == "split-cdata":
                return f"<payload><![CDATA[{document[:cut]}]]><![CDATA[{document[cut:]}]]></payload>"
            return f"<payload><![CDATA[{document}]]></payload>"
        escaped = document.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        if decoration == "numeric-refs":
            escaped = escaped.replace(f"&lt;{self.table} ", f"&#60;{self.table} ", 1)
        if decoration == "mixed-payload":
            head = document[:cut].replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            escaped = f"{head}<![CDATA[{document[cut:]}]]>"
        return f"<payload>{escaped}</payload>"

    def text(self) -> str:
        decoration = self.decoration
        name = f"{self.table}_{self.sys_id}" if not self.dictionary_name else f"sys_dictionary_{self.table}_u_x"
        if decoration == "name-entity":  # a read table's name, written with a reference
            name = f"windows&#95;credentials_{self.sys_id}"
        elif decoration == "name-line-break":  # `<table>_<sys_id>` in bytes, but `.` stops at a line end
            name = f"windows\n{self.table}_{self.sys_id}"
        elif decoration == "name-markup":  # a read table's name, an empty element in its text
            name = f"windows_credentials_{self.sys_id[:30]}<b/>{self.sys_id[30:]}"
        name_element = f"<name>{name}</name>\n"
        payload = self.payload() + "\n"
        head = "<comments/>\n"
        tail = before = ""
        decoy = f"<name>sys_script_include_{self.sys_id}</name>"
        decoy_payload = Update("sys_script_include", self.number, False, self.cdata, True, False, "", False).payload()
        if decoration == "comment-head":
            head, name_element = f"<!-- /> {decoy} -->\n" + head, ""
        elif decoration == "cdata-field":
            head = f"<comments><![CDATA[{decoy}]]></comments>\n"
        elif decoration == "payload-hash-head":  # a payload_hash is no payload
            head = "<payload_hash>-84912</payload_hash>\n<comments/>\n"
        elif decoration == "nested-head":
            head = "<comments><b>bold</b></comments>\n"
        elif decoration == "nested-name":
            head, name_element = f"<comments>{decoy}</comments>\n", ""
        elif decoration == "nested-name-and-name":
            head = f"<comments>{decoy}</comments>\n"
        elif decoration == "attribute-empty":  # `/>` in an attribute value: the tag is not empty
            head, name_element = f'<comments display_value="/>">{decoy}</comments>\n', ""
        elif decoration == "attribute-gt":
            head = '<comments display_value="a > b/>"/>\n'
        elif decoration == "nested-payload":
            name_element += f"<comments>{decoy_payload}</comments>\n"
        elif decoration == "payload-name-payload":
            name_element, payload = payload + name_element, decoy_payload + "\n"
        elif decoration == "name-after-payload":
            name_element, payload = payload + name_element, ""
        elif decoration == "no-name":
            name_element = ""
        elif decoration == "two-names":  # the handlers take the last one before the payload
            name_element = decoy + "\n" + name_element
        elif decoration == "comment-tail":
            tail = "<!-- a comment -->\n"
        elif decoration == "fake-end-in-comment":
            tail = "<!-- </sys_update_xml> -->\n"
        elif decoration == "fake-start-in-comment":
            before = '<!-- <sys_update_xml a=" -->\n'
        elif decoration == "nested-tail":
            tail = "<target><name>x</name></target>\n"
        elif decoration == "second-payload":
            tail = payload
        elif decoration == "second-name":
            tail = f"<name>windows_credentials_{self.sys_id}</name>\n"
        elif decoration == "deep-head":
            head = "<comments>" + "<x>" * 600 + "</x>" * 600 + "</comments>\n"
        elif decoration == "deep-tail":
            tail = "<x>" * 600 + "</x>" * 600 + "\n"
        elif decoration == "pi-tail":
            tail = "<?note here?>\n"
        suppression = "<!-- snlint: ignore[CRD004] reviewed -->\n" if self.suppressed else ""
        return (
            f'{before}{suppression}<sys_update_xml action="INSERT_OR_UPDATE">\n<action>INSERT_OR_UPDATE</action>\n'
            '<application display_value="Acme">6a1f0c2e1b3a2010b7e4dcf2604bcb11</application>\n'
            f"<category>customer</category>\n{head}{name_element}{payload}<payload_hash>-84912</payload_hash>\n"
            f"<sys_updated_on>2024-09-04 08:15:02</sys_updated_on>\n{tail}<update_set display_value=\"\"/>\n"
            "</sys_update_xml>\n"
        )


def update_set(updates: list[Update]) -> str:
    return HEAD + "".join(update.text() for update in updates) + "</unload>\n"


@contextmanager
def slow_path() -> Iterator[None]:
    """The reader with the fast path turned off: every element goes through the handlers."""
    with mock.patch.object(xml_reader._FileDocument, "skippable", lambda self, window, at: -1):
        yield


@contextmanager
def skipped() -> Iterator[list[int]]:
    """Counts the updates the fast path gives to the parser without handlers."""
    counted: list[int] = []
    original = xml_reader._FileDocument.skippable

    def spy(self: xml_reader._FileDocument, window: bytes, at: int) -> int:
        end = original(self, window, at)
        if end >= 0:
            counted.append(end)
        return end

    with mock.patch.object(xml_reader._FileDocument, "skippable", spy):
        yield counted


def read(path: Path, tables: frozenset[str] = TABLES) -> ReadResult:
    fd = os.open(path, os.O_RDONLY)
    try:
        return read_xml(str(path), ReadOptions(tables=tables), fd, os.fstat(fd).st_size)
    finally:
        os.close(fd)


def both(path: Path, tables: frozenset[str] = TABLES) -> tuple[ReadResult, ReadResult]:
    fast = read(path, tables)
    with slow_path():
        slow = read(path, tables)
    return fast, slow


# -- the same result with and without the fast path ----------------------------------------------------------------
def variants(text: str) -> Iterator[bytes]:
    """The file with LF, CRLF (and a BOM) and lone-CR line ends."""
    yield text.encode()
    yield b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode()
    yield text.replace("\n", "\r").encode()


def plain(number: int, table: str = "sys_script_include", cdata: bool = True, dictionary: bool = False) -> Update:
    return Update(table, number, dictionary, cdata, True, False, "", False)


@pytest.mark.parametrize("decoration", DECORATIONS)
def test_each_shape_reads_the_same(tmp_path: Path, decoration: str) -> None:
    """Every combination of read/unread table, name that says the table or not, CDATA or escaped payload, with or
    without a companion record, between plain updates of unread tables (which the fast path takes)."""
    items = [plain(0)]
    for number, (table, dictionary, cdata, companion) in enumerate(
            itertools.product((*READ_TABLES[:1], *OTHER_TABLES[:1]), (False, True), (True, False), (False, True)), 1):
        items += [Update(table, 100 * number, dictionary, cdata, number % 2 == 0, companion, decoration, False),
                  plain(100 * number + 1, cdata=not cdata)]
    path = tmp_path / "set.xml"
    for data in variants(update_set(items)):
        path.write_bytes(data)
        with skipped() as counted:
            fast = read(path)
        assert fast == both(path)[1]
        assert len(counted) >= (1 if decoration.startswith("deep") else 12)  # most plain ones (up to the refusal)


@st.composite
def updates(draw: st.DrawFn) -> Update:
    return Update(
        table=draw(st.sampled_from(READ_TABLES + OTHER_TABLES)),
        number=draw(st.integers(0, 1 << 40)),
        dictionary_name=draw(st.booleans()),
        cdata=draw(st.booleans()),
        table_attribute=draw(st.booleans()),
        companion=draw(st.booleans()),
        decoration=draw(st.sampled_from(DECORATIONS) | st.just("")),
        suppressed=draw(st.integers(0, 5)) == 0,
    )


@settings(max_examples=300 if DEEP else 40, deadline=None, derandomize=not DEEP,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(
    items=st.lists(updates(), min_size=1, max_size=6),
    ending=st.sampled_from(["\n", "\r\n", "\r"]),
    bom=st.booleans(),
    damage=st.one_of(st.none(), st.tuples(st.sampled_from(["cut", "<", "\xff", "&"]), st.floats(0, 1))),
)
def test_mixed_and_broken_update_sets_read_the_same(tmp_path: Path, items: list[Update], ending: str, bom: bool,
                                                    damage: tuple[str, float] | None) -> None:
    data = ("\ufeff" * bom + update_set(items).replace("\n", ending)).encode()
    if damage is not None:  # cut, or a byte that breaks the file, anywhere after the first record
        kind, where = damage
        at = len(HEAD) + int(where * (len(data) - len(HEAD)))
        data = data[:at] if kind == "cut" else data[:at] + kind.encode("latin-1") + data[at:]
    path = tmp_path / "update_set.xml"
    path.write_bytes(data)
    fast, slow = both(path)
    assert fast == slow


def test_plain_content() -> None:
    """What the fast path takes as plain element content: no mark (`_MARK`: a comment, CDATA section, processing
    instruction, name, payload or update tag) and whole elements only (`_whole_elements`); a `/>` counts as an
    empty-element tag only where no `>` stands in a text or an attribute value."""
    cases = {
        b"\n<a>x</a>\n<b/>\n<c d='1'>y</c>\n": True,
        b"": True,
        b"text only > here": True,
        b"<a><b/>x</a>": True,
        b"<a>x</a><b>": False,  # <b> is left open
        b"</a><a>": True,  # counting cannot tell: the parser, given every byte, refuses the mismatched end tag
        b'<a x="/>">': False,  # not an empty element: `/>` in an attribute value
        b"<a>x > y</a>": False,  # a `>` in text: counting cannot tell
        b"<!-- c --><a/>": False,
        b"<a><![CDATA[x]]></a>": False,
        b"<?p?><a/>": False,
        b"<name>x</name>": False,
        b"<names>x</names>": False,
        b"<payload>x</payload>": False,
        b"<payload/>": False,
        b"<payload_hash>1</payload_hash>": True,
        b"<sys_update_xml/>": False,
        b"<a></sys_update_xml>": False,
    }

    def plain(text: bytes) -> bool:
        return xml_reader._MARK.search(text) is None and xml_reader._whole_elements(text, 0, len(text))

    assert {text: plain(text) for text in cases} == cases


# -- it is taken ------------------------------------------------------------------------------------------------
def test_plain_updates_of_unread_tables_are_skipped(tmp_path: Path) -> None:
    items = [plain(number, cdata=number % 3 > 0, dictionary=number % 4 == 0) for number in range(40)]
    items[10] = plain(10, "windows_credentials")  # read: splits the run
    items[30] = plain(30, "oauth_2_0_credentials", cdata=False, dictionary=True)  # read (its payload says so)
    items[20] = Update("sys_script_include", 20, False, True, True, False, "comment-tail", False)  # for the handlers
    path = tmp_path / "set.xml"
    path.write_text(update_set(items), encoding="utf-8")
    with skipped() as counted:
        fast = read(path)
    assert len(counted) == 37
    assert [(record.table, record.sys_id) for record in fast.records] == [
        ("windows_credentials", f"{10:032x}"), ("oauth_2_0_credentials", f"{30:032x}")]
    assert fast == both(path)[1]


def test_suppression_comments_keep_their_lines(tmp_path: Path) -> None:
    """A suppression before an update covers it whole: that update is read by the handlers (they know its end)."""
    items = [plain(0), Update("sys_script_include", 1, False, True, True, False, "", True), plain(2)]
    path = tmp_path / "set.xml"
    path.write_text(update_set(items), encoding="utf-8")
    with skipped() as counted:
        fast = read(path)
    assert len(counted) == 2
    lines = update_set(items).splitlines()
    first = lines.index("<!-- snlint: ignore[CRD004] reviewed -->") + 1
    last = first + lines[first:].index("</sys_update_xml>")
    assert [(ignore.position.line, ignore.position.column, ignore.lines) for ignore in fast.ignores] == [
        (first, 1, (first, last + 1))]


# -- errors inside skipped updates keep their positions ------------------------------------------------------------
def test_a_broken_tag_inside_a_skipped_update(tmp_path: Path) -> None:
    parts = update_set([plain(number) for number in range(5)]).split("</payload_hash>")
    broken = "</payload_hash>".join(parts[:3]) + "</payload_hashx>" + "</payload_hash>".join(parts[3:])  # 3rd update
    path = tmp_path / "set.xml"
    path.write_text(broken, encoding="utf-8")
    lines = broken.splitlines()
    line = next(index for index, content in enumerate(lines, 1) if "</payload_hashx>" in content)
    with skipped() as counted:
        result = read(path)
    assert len(counted) == 5  # its tags are the parser's business: it is skipped with the others
    assert [(item.rule, item.position.line, item.position.column) for item in result.findings] == [
        ("unparseable", line, lines[line - 1].index("</payload_hashx>") + 3)]
    assert "mismatched tag" in result.findings[0].message


def test_undecodable_bytes_inside_a_skipped_payload(tmp_path: Path) -> None:
    text = update_set([plain(number, cdata=False) for number in range(4)])
    lines = text.splitlines()
    line = [index for index, content in enumerate(lines, 1) if content.startswith("<payload>")][3]
    column = lines[line - 1].index("Record") + 1
    data = text.encode().replace(b"Record 3", b"\xffecord 3")
    path = tmp_path / "set.xml"
    path.write_bytes(data)
    result = read(path)
    assert [(item.rule, item.position.line, item.position.column) for item in result.findings] == [
        ("refused", line, column)]
    assert result == both(path)[1]


@pytest.mark.parametrize("decoration", ["deep-head", "deep-tail"])
def test_deep_nesting_in_an_update_of_an_unread_table_is_still_refused(tmp_path: Path, decoration: str) -> None:
    items = [plain(0), Update("sys_script_include", 1, False, True, True, False, decoration, False), plain(2)]
    text = update_set(items)
    path = tmp_path / "set.xml"
    path.write_text(text, encoding="utf-8")
    result = read(path)
    lines = text.splitlines()
    line = next(index for index, content in enumerate(lines, 1) if "<x><x>" in content)
    column = lines[line - 1].index("<x>") + 1 + 3 * (498 - (decoration == "deep-head"))  # the <x> at depth 501
    assert [(item.rule, item.position.line, item.position.column) for item in result.findings] == [
        ("refused", line, column)]
    assert result == both(path)[1]


def test_positions_after_skipped_updates(tmp_path: Path) -> None:
    """Values of a record read after thousands of skipped updates (and more than a window of them) point at
    their text: the parser counted the lines it was given without handlers."""
    items = [plain(number, cdata=number % 2 == 0) for number in range(3000)]
    items.append(plain(3000, "windows_credentials", cdata=False))
    text = update_set(items)
    path = tmp_path / "set.xml"
    path.write_text(text.replace("\n", "\r\n"), encoding="utf-8")
    assert path.stat().st_size > 2 * MIB
    result = read(path)
    lines = text.splitlines()
    [record] = result.records
    user = record.fields["user_name"]
    line = next(index for index, content in enumerate(lines, 1) if "svc.3000@contoso.com" in content)
    column = lines[line - 1].index("svc.3000@contoso.com") + 1
    assert (user.text, user.position) == ("svc.3000@contoso.com", Position(
        str(path), line, column, line, column + len("svc.3000@contoso.com")))
    assert result == both(path)[1]


# -- time and memory ----------------------------------------------------------------------------------------------
def write_set(path: Path, count: int) -> Path:
    """`count` plain updates of unread tables, a credential every 1,000."""
    items = [plain(number, "windows_credentials" if number % 1000 == 999 else "sys_script_include",
                   cdata=number % 10 > 0, dictionary=number % 7 == 0) for number in range(count)]
    path.write_text(update_set(items), encoding="utf-8")
    return path


def test_reading_update_sets_is_linear(tmp_path: Path) -> None:
    small, large = write_set(tmp_path / "small.xml", 2_000), write_set(tmp_path / "large.xml", 20_000)
    short, long = cpu_seconds(lambda: read(small), 3), cpu_seconds(lambda: read(large), 1)
    assert long / short < GROWTH, (short, long)


_PEAK = """
import os, sys
from linter.read.base import ReadOptions
from linter.read.xml import read_xml
path = sys.argv[1]
fd = os.open(path, os.O_RDONLY)
result = read_xml(path, ReadOptions(tables=frozenset({"windows_credentials"})), fd, os.fstat(fd).st_size)
assert result.records and not result.findings, result.findings
with open("/proc/self/status") as status:  # this process's own high-water mark
    print(next(int(line.split()[1]) * 1024 for line in status if line.startswith("VmHWM:")))
"""


def test_memory_does_not_grow_with_the_update_set(tmp_path: Path) -> None:
    if not Path("/proc/self/status").exists():
        return  # no VmHWM to read (ru_maxrss would include the parent's)
    peaks = []
    for count in (5_000, 50_000):  # 3.5 and 35 MiB: both beyond the reader's window (2 MiB)
        path = write_set(tmp_path / f"set_{count}.xml", count)
        done = subprocess.run([sys.executable, "-c", _PEAK, str(path)], capture_output=True, text=True,
                              timeout=120, env={**os.environ, "PYTHONPATH": str(ROOT)}, check=True)
        peaks.append(int(done.stdout))
        path.unlink()
    assert peaks[1] - peaks[0] < 4 * MIB, [peak / MIB for peak in peaks]
