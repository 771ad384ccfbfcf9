"""Fixes (linter/fix.py): a value's span replaced by new text escaped for its container, nothing else changed.

Every container shape a value can sit in is generated around a value, read with the real reader (which gives the
span), edited to a new value, and read back: the new value reads exactly, the file is well-formed, and the bytes
before and after the span are unchanged. A property test draws both values (quotes, `&`, `<`, `]]>`, non-ASCII,
line breaks) over LF and CRLF files with and without a BOM.
"""

from __future__ import annotations

import json
import os
import stat
import time
from collections.abc import Callable
from pathlib import Path
from pyexpat import ParserCreate

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_report_sarif import SCHEMA, validate

from linter.cli import main
from linter.engine import read_bytes
from linter.files import rewrite
from linter.fix import Fix, FixRefused, edit, prepare
from linter.model import Position, Value
from linter.read.positions import line_starts

DEEP = os.environ.get("SNLINT_DEEP_TESTS") == "1"
BOM = b"\xef\xbb\xbf"
SYS_ID = "7af7ee263cc952103a946777183c8836"
FIXTURES = Path(__file__).parent / "fixtures"


def esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")


def inner_document(value_xml: str) -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8"?><record_update table="windows_credentials">\n'
        f'<windows_credentials action="INSERT_OR_UPDATE">\n  <name>Mailbox é</name>\n  <sys_id>{SYS_ID}</sys_id>\n'
        f"  <user_name>{value_xml}</user_name>\n  <order>100</order>\n</windows_credentials>\n</record_update>"
    )


def update_set(payload: str) -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<unload unload_date="2024-09-04 08:15:02">\n'
        '<sys_update_xml action="INSERT_OR_UPDATE">\n<action>INSERT_OR_UPDATE</action>\n'
        f"<!-- a comment \U0001f600 -->\n<name>windows_credentials_{SYS_ID}</name>\n<payload>{payload}</payload>\n"
        "<sys_updated_on>2024-09-04 08:15:02</sys_updated_on>\n</sys_update_xml>\n</unload>\n"
    )


def list_export(value_xml: str) -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<unload unload_date="2024-09-04 08:15:02">\n'
        f'<windows_credentials action="INSERT_OR_UPDATE">\n  <name>Mailbox</name>\n  <sys_id>{SYS_ID}</sys_id>\n'
        f"  <user_name>{value_xml}</user_name>\n  <!-- kept -->\n</windows_credentials>\n</unload>\n"
    )


def yaml_export(scalar: str) -> str:
    return (
        "# Exported 2024-03-11 (comment kept)\nwindows_credentials:\n"
        f"  - sys_id: {SYS_ID}\n    name: Mailbox é\n    user_name: {scalar}   # trailing comment\n"
        "    order: '100'\n"
    )


def json_export(value: str) -> str:
    return (
        '{\n  "result": [\n    {\n      "sys_class_name": "windows_credentials",\n'
        f'      "sys_id": "{SYS_ID}",\n      "user_name": {json_string(value)},\n'
        '      "name": "Mailbox"\n    }\n  ]\n}\n'
    )


def json_string(value: str) -> str:
    """A JSON string the reader takes: C1 controls and separators escaped (non-BMP characters raw: the reader
    does not join an escaped surrogate pair)."""
    text = json.dumps(value, ensure_ascii=False)
    return "".join(f"\\u{ord(c):04x}" if "\x7f" <= c <= "\x9f" or c in "\u2028\u2029\ufeff" else c for c in text)


def _no_cdata_end(value: str) -> bool:
    return "]]>" not in value and "\r" not in value


def _yaml_single_ok(value: str) -> bool:
    return all(char.isprintable() and char not in "\r\n" for char in value)


# name -> (file suffix, builder of the file text around a value, whether a value can be put in that shape)
Shape = tuple[str, Callable[[str], str], Callable[[str], bool]]
SHAPES: dict[str, Shape] = {
    "list-export-text": (".xml", lambda v: list_export(esc(v)), lambda v: True),
    "list-export-cdata": (".xml", lambda v: list_export(f"<![CDATA[{v}]]>"), _no_cdata_end),
    "record-file": (".xml", lambda v: inner_document(esc(v)), lambda v: True),
    "record-file-cdata": (".xml", lambda v: inner_document(f"<![CDATA[{v}]]>"), _no_cdata_end),
    "payload-entities-text": (".xml", lambda v: update_set(esc(inner_document(esc(v)))), lambda v: True),
    "payload-entities-cdata": (
        ".xml",
        lambda v: update_set(esc(inner_document(f"<![CDATA[{v}]]>"))),
        _no_cdata_end,
    ),
    "payload-cdata-text": (".xml", lambda v: update_set(f"<![CDATA[{inner_document(esc(v))}]]>"), lambda v: True),
    "yaml-double": (".yaml", lambda v: yaml_export(json.dumps(v, ensure_ascii=False)), _yaml_single_ok),
    "yaml-single": (".yaml", lambda v: yaml_export("'" + v.replace("'", "''") + "'"), _yaml_single_ok),
    "yaml-plain": (".yml", lambda v: yaml_export(v), lambda v: v in ("bob", "CONTOSO\\svc")),
    "json": (".json", json_export, lambda v: True),
}


def encode(text: str, crlf: bool, bom: bool) -> bytes:
    return (BOM if bom else b"") + (text.replace("\n", "\r\n") if crlf else text).encode("utf-8")


def user_name(path: str, data: bytes) -> Value:
    result = read_bytes(path, data)
    assert not result.findings, [(f.rule, str(f.position), f.message) for f in result.findings]
    (record,) = [r for r in result.records if r.table == "windows_credentials"]
    return record.fields["user_name"]


def byte_span(data: bytes, position: Position) -> tuple[int, int]:
    """The byte offsets of a Position's span in the file's bytes."""
    bom = len(BOM) if data.startswith(BOM) else 0
    text = data[bom:].decode("utf-8")
    starts = line_starts(text)  # XML's and YAML's line breaks (not NEL or U+2028, which str.splitlines takes)

    def offset(line: int, column: int) -> int:
        return bom + len(text[: starts[line - 1] + column - 1].encode("utf-8"))

    return offset(position.line, position.column), offset(position.end_line, position.end_column)


def well_formed(data: bytes) -> None:
    parser = ParserCreate()
    parser.Parse(data, True)


def check_fix(shape: str, old: str, new: str, crlf: bool, bom: bool) -> bytes:
    """Edit the user name of a generated file from `old` to `new`; every promise of a fix is checked."""
    suffix, build, _ = SHAPES[shape]
    path = f"export{suffix}"
    before = encode(build(old), crlf, bom)
    value = user_name(path, before)
    assert value.text == old
    edited = edit(path, before, [Fix(value.position, new, "test")])
    after = edited.after
    start, end = byte_span(before, value.position)
    tail = len(before) - end
    assert after[:start] == before[:start]
    assert after[len(after) - tail :] == before[end:]
    replacement = edited.fixes[0].replacement
    assert replacement is not None
    assert after[start : len(after) - tail] == replacement.encode("utf-8")
    if suffix == ".xml":
        well_formed(after)
    assert user_name(path, after).text == new
    return after


# -- each container shape -------------------------------------------------------------------------------------------
@pytest.mark.parametrize("shape", sorted(SHAPES))
@pytest.mark.parametrize("crlf", [False, True])
@pytest.mark.parametrize("bom", [False, True])
def test_each_container_shape_trims_in_place(shape: str, crlf: bool, bom: bool) -> None:
    if shape == "yaml-plain":  # a plain scalar has no surrounding spaces to trim: a change of value instead
        check_fix(shape, "bob", "CONTOSO\\bob", crlf, bom)
    else:
        check_fix(shape, " bob", "bob", crlf, bom)


def test_payload_entities_are_escaped_twice() -> None:
    after = check_fix("payload-entities-text", "bob", "a&b<c>", crlf=False, bom=False)
    assert b"<user_name>a&amp;amp;b&amp;lt;c&amp;gt;</user_name>".replace(b"<", b"&lt;").replace(
        b">", b"&gt;"
    ) in after


def test_cdata_payload_splits_a_cdata_end() -> None:
    after = check_fix("list-export-cdata", "bob", "x]]>y", crlf=False, bom=False)
    assert b"<user_name><![CDATA[x]]]]><![CDATA[>y]]></user_name>" in after
    after = check_fix("payload-cdata-text", "bob", "x]]>y", crlf=False, bom=False)
    assert b"<user_name>x]]&gt;y</user_name>" in after


def test_yaml_keeps_the_scalar_style_and_comments() -> None:
    after = check_fix("yaml-single", " it's", "it's", crlf=False, bom=False)
    assert b"    user_name: 'it''s'   # trailing comment\n" in after
    after = check_fix("yaml-double", " bob\t", "bob", crlf=False, bom=False)
    assert b'    user_name: "bob"   # trailing comment\n' in after
    after = check_fix("yaml-plain", "CONTOSO\\svc", "CONTOSO\\svc2", crlf=False, bom=False)
    assert b"    user_name: CONTOSO\\svc2   # trailing comment\n" in after
    # a plain scalar that would change meaning is quoted
    for value, written in (("true", b"'true'"), ("a: b", b"'a: b'"), ("x #y", b"'x #y'"), ("\u2028", b'"\\u2028"')):
        after = check_fix("yaml-plain", "bob", value, crlf=False, bom=False)
        assert b"    user_name: " + written + b"   # trailing comment\n" in after


def test_an_unsafe_value_shape_is_refused() -> None:
    text = list_export("<![CDATA[ a]]>b")  # CDATA and text mixed in one value
    value = user_name("x.xml", text.encode())
    with pytest.raises(FixRefused, match="mixes CDATA"):
        edit("x.xml", text.encode(), [Fix(value.position, "ab", "test")])
    block = yaml_export("|\n      bob").encode()
    value = user_name("x.yaml", block)
    with pytest.raises(FixRefused, match="block scalar"):
        edit("x.yaml", block, [Fix(value.position, "bob", "test")])
    data = list_export("bob").encode()
    value = user_name("x.xml", data)
    with pytest.raises(FixRefused, match="cannot carry"):
        edit("x.xml", data, [Fix(value.position, "a\x01", "test")])


def test_a_span_that_is_not_the_value_is_refused() -> None:
    data = list_export("bob").encode()
    value = user_name("x.xml", data)
    wrong = Position("x.xml", value.position.line, value.position.column - 1, value.position.line,
                     value.position.end_column)
    with pytest.raises(FixRefused):
        edit("x.xml", data, [Fix(wrong, "bob", "test")])


# -- random values ----------------------------------------------------------------------------------------------------
def _xml_char(char: str) -> bool:
    code = ord(char)
    return code in (9, 10, 13) or 0x20 <= code <= 0xD7FF or 0xE000 <= code <= 0xFFFD or code >= 0x10000


CHARS = st.one_of(
    st.sampled_from([*"&<>\"' \t#:-]\\", "]]>", "é", "\U0001f600", "&amp;", "<x>", "'", "\r\n", "\n"]),
    st.characters(codec="utf-8").filter(_xml_char),
)
VALUES = st.lists(CHARS, max_size=10).map("".join)


@settings(
    max_examples=400 if DEEP else 40,
    deadline=None,
    derandomize=not DEEP,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(shape=st.sampled_from(sorted(SHAPES)), old=VALUES, new=VALUES, crlf=st.booleans(), bom=st.booleans())
def test_any_value_round_trips_in_any_container(shape: str, old: str, new: str, crlf: bool, bom: bool) -> None:
    fits = SHAPES[shape][2]
    if shape.startswith("yaml"):
        # YAML folds line breaks in a quoted scalar; a value with one is written double-quoted and escaped
        old = old if fits(old) else "bob"
    elif not fits(old):
        old = "bob"
    if crlf and "\r" in old:
        old = old.replace("\r", "")  # a raw CR in a CRLF file would be a line end, not the value's
    check_fix(shape, old, new, crlf, bom)


# -- prepare, --fix and --diff on real files ----------------------------------------------------------------------
def copy_fixture(tmp_path: Path, name: str) -> Path:
    target = tmp_path / name
    target.mkdir()
    for item in (FIXTURES / name).iterdir():
        if item.suffix != ".txt":
            (target / item.name).write_bytes(item.read_bytes())
    return target


def test_prepare_fills_in_the_replacement(tmp_path: Path) -> None:
    from linter.engine import run
    from linter.settings import Settings

    folder = copy_fixture(tmp_path, "crd004_list_export")
    findings = prepare(run([str(folder)], Settings()).findings)
    fixes = sorted((f.fix.position.line, f.fix.position.column, f.fix.replacement) for f in findings if f.fix)
    assert fixes == [(20, 12, ".\\svc-backup"), (39, 12, "CONTOSO\\svc-scan"), (96, 12, "api-integration@contoso.com")]


def test_atomic_write_keeps_the_mode(tmp_path: Path) -> None:
    target = tmp_path / "a.xml"
    target.write_bytes(b"old")
    target.chmod(0o640)
    rewrite(str(target), b"new")
    assert target.read_bytes() == b"new"
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert [item.name for item in tmp_path.iterdir()] == ["a.xml"]


def test_fix_time_is_linear_in_the_file(tmp_path: Path) -> None:
    def measure(count: int) -> float:
        rows = "".join(
            f"<windows_credentials><sys_id>{n:032x}</sys_id><user_name> u{n}</user_name></windows_credentials>\n"
            for n in range(count)
        )
        data = f'<?xml version="1.0" encoding="UTF-8"?>\n<unload>\n{rows}</unload>\n'.encode()
        path = str(tmp_path / f"many{count}.xml")
        records = read_bytes(path, data).records
        fixes = [Fix(r.fields["user_name"].position, r.fields["user_name"].text.strip(), "t") for r in records]
        began = time.perf_counter()
        edited = edit(path, data, fixes)
        elapsed = time.perf_counter() - began
        assert edited.after.count(b"<user_name>u") == count
        return elapsed

    small, large = measure(300), measure(3000)
    assert large / small < 25, (small, large)


def test_cli_fix_and_diff(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = copy_fixture(tmp_path, "crd004_list_export")
    export = folder / "discovery_credentials.xml"
    original = export.read_bytes()
    code = main(["--diff", "--no-cache", "--isolated", "--select", "CRD004", str(folder)])
    out = capsys.readouterr().out
    assert export.read_bytes() == original
    assert code == 0  # CRD004 is a warning: nothing at or above --fail-on error remains
    assert "-<user_name>.\\svc-backup </user_name>\n+<user_name>.\\svc-backup</user_name>\n" in out
    assert out.count("\n+<user_name>") == 3
    # exit codes follow what remains: every CRD004 has a fix, so nothing is left at --fail-on warning
    assert main(["--diff", "--no-cache", "--isolated", "--select", "CRD004", "--fail-on", "warning", str(folder)]) == 0
    assert main(["--no-cache", "--isolated", "--select", "CRD004", "--fail-on", "warning", str(folder)]) == 1
    code = main(["--fix", "--no-cache", "--isolated", "--select", "CRD004", "--fail-on", "warning", str(folder)])
    capsys.readouterr()
    assert code == 0
    assert export.read_bytes() != original
    assert main(["--no-cache", "--isolated", "--select", "CRD004", "--fail-on", "warning", str(folder)]) == 0
    text = export.read_bytes().decode()
    assert "<user_name>CONTOSO\\svc-scan</user_name>" in text


def test_json_and_sarif_carry_the_fix(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = copy_fixture(tmp_path, "crd004_list_export")
    main(["--format", "json", "--no-cache", "--isolated", "--select", "CRD004", str(folder)])
    data = json.loads(capsys.readouterr().out)
    first = data["findings"][0]
    assert first["fix"] == {
        "description": "trim the user_name",
        "line": 20, "column": 12, "end_line": 20, "end_column": 25,
        "text": ".\\svc-backup",
    }
    main(["--format", "sarif", "--no-cache", "--isolated", "--select", "CRD004", str(folder)])
    sarif = json.loads(capsys.readouterr().out)
    if SCHEMA.is_file():  # the official schema, beside the project when it is checked out with the shared folder
        validate(sarif)
    result = sarif["runs"][0]["results"][0]
    (change,) = result["fixes"][0]["artifactChanges"]
    assert change["replacements"] == [
        {
            "deletedRegion": {"startLine": 20, "startColumn": 12, "endLine": 20, "endColumn": 25},
            "insertedContent": {"text": ".\\svc-backup"},
        }
    ]
    assert change["artifactLocation"] == result["locations"][0]["physicalLocation"]["artifactLocation"]


def test_a_rule_file_declares_its_fix(tmp_path: Path) -> None:
    from linter.ruleset import RuleError, builtin_rules, load_rule_paths

    assert {rule_id for rule_id, rule in builtin_rules().items() if rule.fix} == {"CRD004"}
    rule = (
        "id: ACME001\nname: acme-trim\nseverity: warning\nsummary: s\ndescription: d\nfix: trim\n"
        "check:\n  kind: {kind}\n"
    )
    good = tmp_path / "good.yaml"
    good.write_text(rule.format(kind="field\n  tables: [sys_user]\n  field: name\n  forbid: '^ '"), encoding="utf-8")
    assert load_rule_paths([good])["ACME001"].fix == "trim"
    bad = tmp_path / "bad.yaml"
    bad.write_text(rule.format(kind="conflicting_definitions"), encoding="utf-8")
    with pytest.raises(RuleError):
        load_rule_paths([bad])


def test_no_fix_is_offered_in_a_file_too_large_to_verify(monkeypatch: pytest.MonkeyPatch) -> None:
    """A fix is verified by reading its file twice more: over MAX_FIX_FILE bytes the finding stays, without a fix
    (memory stays bounded by the readers' own, whatever the output format)."""
    import linter.fix
    from linter.engine import run
    from linter.settings import Settings

    monkeypatch.chdir(FIXTURES / "crd004_list_export")
    findings = [item for item in run(["."], Settings(), use_context=False).findings if item.fix is not None]
    assert findings and all(item.rule == "CRD004" for item in findings)
    assert all(item.fix is not None and item.fix.replacement is not None for item in prepare(findings))
    monkeypatch.setattr(linter.fix, "MAX_FIX_FILE", 100)
    assert [item.fix for item in prepare(findings)] == [None] * len(findings)
