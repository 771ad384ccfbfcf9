"""Inline suppressions in XML exports (issue 11, section 6): `<!-- snlint: ignore[RULE] reason -->` on the line of a
value or the line above it (list exports, record files, inside update-set payloads), or standing before a
`<sys_update_xml>` (then it covers that whole update). A missing reason is SN005, an unused suppression SN004.

The scenario folders tests/fixtures/xml_suppress_* hold the suppressed files (their expected.txt is checked by
test_fixtures.py); here each comment is turned into a plain comment (same lines, same columns) to show that it is
the suppression, not something else, that hides the finding, and the other shapes are checked."""

from __future__ import annotations

import shutil
from pathlib import Path

from conftest import FIXTURES, located, snlint_json

from linter.read.base import InlineIgnore, ReadOptions
from linter.read.xml import read_xml

SOURCE_CONTROL = FIXTURES / "source_control_split"
RECORD_FILE = "43275d11406cd210928158889af97d38/update/windows_credentials_88b43c61f5f1d210928158889af97d38.xml"


def lint(folder: Path) -> set[tuple[str, str, int, int]]:
    return located(snlint_json("--isolated", "--no-context", ".", cwd=folder))


def copy(tmp_path: Path, scenario: str) -> Path:
    target = tmp_path / scenario
    shutil.copytree(FIXTURES / scenario, target)
    (target / "expected.txt").unlink()
    return target


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    path.write_text(text.replace(old, new), encoding="utf-8")


def neutralise(path: Path, old: str) -> None:
    """Turn a suppression into a plain comment of the same length: every other position stays where it was."""
    edit(path, old, old.replace("snlint: ignore", "plain: comment"))


def ignores_of(path: Path) -> list[InlineIgnore]:
    with path.open("rb") as handle:
        options = ReadOptions(tables=frozenset({"windows_credentials"}))
        return read_xml(str(path), options, handle.fileno(), path.stat().st_size).ignores


# -- the comment before a sys_update_xml ---------------------------------------------------------------------------
def test_a_comment_before_an_update_covers_the_whole_update(tmp_path: Path) -> None:
    folder = copy(tmp_path, "xml_suppress_update")
    export = folder / "exo_mailbox_credential.xml"
    neutralise(export, "<!-- snlint: ignore[EXO001] pilot")
    assert lint(folder) == {
        ("EXO001", "exo_mailbox_credential.xml", 198, 115),  # inside the entity-escaped payload, 10 lines below
        ("SN004", "exo_mailbox_credential.xml", 162, 1),
        ("SN005", "exo_mailbox_credential.xml", 162, 1),
    }


def test_the_update_comment_records_the_span_of_its_update(tmp_path: Path) -> None:
    export = FIXTURES / "xml_suppress_update" / "exo_mailbox_credential.xml"
    spans = {ignore.rules: (ignore.lines, ignore.reason) for ignore in ignores_of(export)}
    assert spans == {
        ("CRD004",): ((162, 188), ""),
        ("EXO001",): ((189, 217), "pilot mailbox keeps its own account until cut-over (CHG0041003)"),
    }
    lines = export.read_text(encoding="utf-8").split("\n")
    assert lines[189] == '<sys_update_xml action="INSERT_OR_UPDATE">' and lines[216] == "</sys_update_xml>"


def test_an_update_comment_does_not_reach_the_next_update(tmp_path: Path) -> None:
    folder = copy(tmp_path, "xml_suppress_update")
    export = folder / "exo_mailbox_credential.xml"
    # move the EXO001 suppression before the oauth_2_0_credentials update, the one above the Mailbox credential's
    neutralise(export, "<!-- snlint: ignore[EXO001] pilot")
    edit(export, "<!-- snlint: ignore[CRD004] -->", "<!-- snlint: ignore[EXO001] wrong update -->")
    assert lint(folder) == {
        ("EXO001", "exo_mailbox_credential.xml", 198, 115),
        ("SN004", "exo_mailbox_credential.xml", 162, 1),
    }


# -- inside a payload ------------------------------------------------------------------------------------------------
def test_a_comment_inside_a_cdata_payload_on_the_value_line(tmp_path: Path) -> None:
    folder = copy(tmp_path, "xml_suppress_payload")
    export = folder / "exo_spoke_credentials.xml"
    [ignore] = ignores_of(export)
    assert (ignore.lines, ignore.position.column) == ((195, 196), 849)
    neutralise(export, "<!-- snlint: ignore[EXO001] shared")
    assert lint(folder) == {("EXO001", "exo_spoke_credentials.xml", 195, 946)}
    edit(export, "<!-- plain: comment[EXO001] shared", "<!-- snlint: ignore[EXO002] shared")
    assert lint(folder) == {
        ("EXO001", "exo_spoke_credentials.xml", 195, 946),
        ("SN004", "exo_spoke_credentials.xml", 195, 849),
    }


def test_a_comment_inside_an_entity_escaped_payload(tmp_path: Path) -> None:
    folder = tmp_path / "escaped"
    shutil.copytree(FIXTURES / "exo001_entity_escaped", folder)
    (folder / "expected.txt").unlink()
    export = folder / "exo_mailbox_credential.xml"
    assert lint(folder) == {("EXO001", "exo_mailbox_credential.xml", 196, 115)}
    # the value's line, before it: &lt;!-- ... --&gt; is a comment of the payload document
    edit(export, "&lt;user_name&gt;exo.mailbox@",
         "&lt;!-- snlint: ignore[EXO001] CHG0041003 --&gt;&lt;user_name&gt;exo.mailbox@")
    assert lint(folder) == set()
    edit(export, "ignore[EXO001] CHG0041003 --&gt;", "ignore[EXO001] --&gt;")
    assert lint(folder) == {("SN005", "exo_mailbox_credential.xml", 196, 98)}
    assert export.read_text(encoding="utf-8").split("\n")[195][97:104] == "&lt;!--"


def test_a_comment_on_the_payload_line_above_the_value(tmp_path: Path) -> None:
    folder = tmp_path / "escaped"
    shutil.copytree(FIXTURES / "exo001_entity_escaped", folder)
    (folder / "expected.txt").unlink()
    export = folder / "exo_mailbox_credential.xml"
    # raw line breaks survive in payloads: the comment ends payload line 196, the value starts line 197
    edit(export, "&lt;/u_notes&gt;&lt;user_name&gt;",
         "&lt;/u_notes&gt;&lt;!-- snlint: ignore[EXO001] CHG0041003 --&gt;\n&lt;user_name&gt;")
    assert lint(folder) == set()
    neutralise(export, "snlint: ignore[EXO001] CHG0041003")
    assert lint(folder) == {("EXO001", "exo_mailbox_credential.xml", 197, 18)}


def test_text_that_looks_like_a_comment_is_not_one(tmp_path: Path) -> None:
    folder = tmp_path / "escaped"
    shutil.copytree(FIXTURES / "exo001_entity_escaped", folder)
    (folder / "expected.txt").unlink()
    export = folder / "exo_mailbox_credential.xml"
    # inside the payload's CDATA section (the u_notes value), `<!-- ... -->` is text
    edit(export, "&lt;p&gt;Owner: Messaging",
         "&lt;!-- snlint: ignore[EXO001] not a comment --&gt;&lt;p&gt;Owner: Messaging")
    text = export.read_text(encoding="utf-8")
    assert text.index("snlint: ignore") > text.index("&lt;u_notes&gt;&lt;![CDATA[")
    assert lint(folder) == {("EXO001", "exo_mailbox_credential.xml", 196, 115 + 51)}  # 51: the inserted text


# -- list exports and record files -----------------------------------------------------------------------------------
def test_list_export_comments_above_and_on_the_value_line(tmp_path: Path) -> None:
    folder = copy(tmp_path, "xml_suppress_list")
    export = folder / "discovery_credentials.xml"
    neutralise(export, "<!-- snlint: ignore[CRD004] imported")
    neutralise(export, "<!-- snlint: ignore[CRD004] trailing")
    assert lint(folder) == {
        ("CRD004", "discovery_credentials.xml", 21, 12),
        ("CRD004", "discovery_credentials.xml", 40, 12),
        ("CRD004", "discovery_credentials.xml", 97, 12),
        ("SN004", "discovery_credentials.xml", 97, 54),
    }


def test_record_file_comment_on_the_value_line(tmp_path: Path) -> None:
    repository = tmp_path / "repo"
    shutil.copytree(SOURCE_CONTROL, repository)
    (repository / "expected.txt").unlink()
    record = repository / RECORD_FILE
    assert lint(repository) == {("EXO001", RECORD_FILE, 19, 20)}
    edit(record, "</user_name>", "</user_name><!-- snlint: ignore[EXO] shared mailbox (CHG0042) -->")
    assert lint(repository) == set()
    edit(record, "<!-- snlint: ignore[EXO] shared mailbox (CHG0042) -->", "<!-- snlint: ignore[CRD] -->")
    assert lint(repository) == {
        ("EXO001", RECORD_FILE, 19, 20),
        ("SN004", RECORD_FILE, 19, 57),
        ("SN005", RECORD_FILE, 19, 57),
    }


def test_a_comment_inside_the_payload_element_before_its_text(tmp_path: Path) -> None:
    """`<payload><!-- ... --><![CDATA[...`: the comment is no part of the payload document, and the positions after
    it on that line still point at their text."""
    folder = tmp_path / "cdata"
    shutil.copytree(FIXTURES / "exo001_update_set_cdata", folder)
    (folder / "expected.txt").unlink()
    export = folder / "exo_spoke_credentials.xml"
    comment = "<!-- snlint: ignore[EXO001] shared mailbox, verified with IAM (CHG0040990) -->"
    text = export.read_text(encoding="utf-8")
    line = text.split("\n")[194]
    assert line.startswith("<payload><![CDATA[") and "<user_name>svc-exo-mailbox@" in line
    edit(export, line, line.replace("<payload>", "<payload>" + comment, 1))
    assert lint(folder) == set()
    neutralise(export, comment)
    assert lint(folder) == {("EXO001", "exo_spoke_credentials.xml", 195, 860 + len(comment))}
