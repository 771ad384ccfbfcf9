"""How the fast path looks at each update (linter/read/xml.py, `_FileDocument.skippable`): searches that go forward
from the update's start and stop at the next mark, a CDATA payload's end found `]` by `]`, and answers remembered for
the fields before the name and for table names. Hostile shapes of each keep time linear; answers past what is
remembered are still right."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import cpu_seconds
from test_xml_fast_path import GROWTH, HEAD, TABLES, both, plain, read, skipped, update_set

from linter.read import xml as xml_reader


def update(number: int, head: str, name: str, payload: str) -> str:
    return (f'<sys_update_xml action="INSERT_OR_UPDATE">\n{head}<name>{name}</name>\n<payload>{payload}</payload>\n'
            f"<sys_updated_on>2024-09-04 08:15:02</sys_updated_on>\n<sys_id>{number:032x}</sys_id>\n"
            "</sys_update_xml>\n")


def hostile(shape: str, count: int) -> str:
    """`count` updates of one hostile shape, each its own fields (nothing to remember) and sys_id."""
    parts = []
    for number in range(count):
        head = f"<comments>{number}</comments>\n"
        name = f"sys_script_include_{number:032x}"
        payload = "<![CDATA[<record_update/>]]>"
        if shape == "brackets":  # a CDATA payload of `]` only, then its end
            payload = "<![CDATA[" + "]" * 200 + "]]>"
        elif shape == "no-name":  # the search for the name stops at the update's end tag
            name = ""
            head += "<x/>" * 50
        elif shape == "many-fields":  # a long head of whole elements, different each time
            head += f"<f{number}>v</f{number}>\n" * 20
        elif shape == "cdata-over-next" and number % 2 == 0:  # its `]]>` is the next update's: that one is its text
            payload = "<![CDATA[" + "x" * 200
        parts.append(update(number, head, name, payload))
    return HEAD + "".join(parts) + "</unload>\n"


@pytest.mark.parametrize("shape", ["brackets", "no-name", "many-fields", "cdata-over-next"])
def test_hostile_updates_are_read_in_linear_time(tmp_path: Path, shape: str) -> None:
    small, large = tmp_path / "small.xml", tmp_path / "large.xml"
    small.write_text(hostile(shape, 1_000), encoding="utf-8")
    large.write_text(hostile(shape, 10_000), encoding="utf-8")
    short, long = cpu_seconds(lambda: read(small), 3), cpu_seconds(lambda: read(large), 1)
    assert long / short < GROWTH, (short, long)
    fast, slow = both(small)
    assert fast == slow


def test_answers_past_what_is_remembered(tmp_path: Path) -> None:
    """More distinct tables and update heads than the fast path remembers: a read table's update after them is
    still read, the others still skipped."""
    count = xml_reader._MEMO + 50
    parts = [update(number, f"<comments>{number}</comments>\n", f"u_table_{number}_{number:032x}",
                    "<![CDATA[<record_update/>]]>") for number in range(count)]
    parts.append(plain(count, "windows_credentials").text())
    parts.append(update(count + 1, "<comments/>\n" + "<f>v</f>" * 200, f"u_table_0_{count + 1:032x}",
                        "<![CDATA[<record_update/>]]>"))  # fields too long to remember, of a remembered table
    path = tmp_path / "set.xml"
    path.write_text(HEAD + "".join(parts) + "</unload>\n", encoding="utf-8")
    with skipped() as counted:
        fast = read(path, TABLES)
    assert len(counted) == count + 1
    assert [(record.table, record.sys_id) for record in fast.records] == [("windows_credentials", f"{count:032x}")]
    assert fast == both(path)[1]


def test_a_payload_hash_before_the_name_is_no_payload(tmp_path: Path) -> None:
    items = [plain(number) for number in range(3)]
    text = update_set(items).replace("<comments/>", "<payload_hash>1</payload_hash>")
    path = tmp_path / "set.xml"
    path.write_text(text, encoding="utf-8")
    with skipped() as counted:
        fast = read(path)
    assert len(counted) == 3
    assert fast == both(path)[1]
