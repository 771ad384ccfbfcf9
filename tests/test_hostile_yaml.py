"""Hostile YAML / JSON (issue 10): one unconvertible value never stops the run, inline-ignore discovery is linear,
files that are not exports are judged from a bounded prefix (never parsed or read whole), anchors are counted
before they are expanded, and an export's time and memory grow linearly. Each scaling test measures two sizes in
the same test: 10x the input may take at most ~10x the time (the bound allows 25x; quadratic would be 100x)."""

from __future__ import annotations

import os
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import cpu_seconds, read_yaml_export, snlint_json, write

from linter.read.base import ReadOptions, ReadResult

TABLES = frozenset({"windows_credentials", "oauth_2_0_credentials", "sys_alias"})
MAX_RATIO = 25


def read(path: Path) -> ReadResult:
    return read_yaml_export(path, ReadOptions(tables=TABLES))


seconds = cpu_seconds  # the best CPU time of `runs` runs (tests/conftest.py)


def scales_linearly(tmp_path: Path, name: str, make: Callable[[int], str], small: int) -> tuple[float, float]:
    """Seconds to read `make(small)` (best of 3) and `make(10 * small)`; asserts the ratio stays linear."""
    little = write(tmp_path, f"small-{name}", make(small))
    large = write(tmp_path, f"large-{name}", make(10 * small))
    read(little)  # imports and the schema validator are paid before measuring
    short, long = seconds(lambda: read(little), 3), seconds(lambda: read(large), 2)
    assert long < MAX_RATIO * max(short, 0.005), (short, long)
    return short, long


# -- one bad value ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("written", "kept"),
    [
        ("0x" + "f" * 3700, "0x" + "f" * 3700),  # int conversion limit: 4,455 decimal digits
        ("1" * 5000, "1" * 5000),  # over the limit in base 10 too
        ("0o" + "7" * 5000, "0o" + "7" * 5000),
        ("1e99999", "1e99999"),  # a float that overflows to inf
        ("-.inf", "-.inf"),
        ("2024-09-12 16:59:47", "2024-09-12 16:59:47"),  # an unquoted timestamp
        ("!!int not-a-number", "not-a-number"),  # a tag that cannot resolve
        ("!!float 1.2.3", "1.2.3"),
        ("!!python/object:os.system echo", "echo"),  # never constructed
    ],
)
def test_an_unconvertible_scalar_keeps_its_text(tmp_path: Path, written: str, kept: str) -> None:
    path = write(tmp_path, "credentials.yaml", f"""
        windows_credentials:
          - sys_id: 323ff4b6d475c118e6757758c430092e
            name: Exchange Online Mailbox
            order: {written}
    """)
    result = read(path)
    assert [record.text("order") for record in result.records] == [kept]
    assert all(item.rule == "SN003" for item in result.findings)  # at most a format finding, never a crash


def test_a_huge_number_does_not_hide_the_other_findings(tmp_path: Path) -> None:
    write(tmp_path, "credentials.yaml", """
        windows_credentials:
          - sys_id: 323ff4b6d475c118e6757758c430092e
            name: Exchange Online Mailbox
            order: 0x""" + "f" * 3700 + """
            password: Winter-Mailbox-2024
    """)
    json_text = ('{"result": [{"sys_class_name": "windows_credentials", "order": ' + "9" * 5000
                 + ', "sys_id": "8c41f0d2b7e94a6f9d3c2b1a0e9f8d7c", "password": "Sommer-2024"}]}\n')
    write(tmp_path, "export.json", json_text)
    report = snlint_json("--no-context", ".", cwd=tmp_path)
    assert sorted((f["rule"], f["path"], f["line"], f["column"]) for f in report["findings"]) == [
        ("CRD002", "credentials.yaml", 5, 15), ("CRD002", "export.json", 1, json_text.index('"Sommer') + 1)
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{"windows_credentials": [\n  {"sys_id": "323ff4b6d475c118e6757758c430092e",}\n]}', (2, 48, "object")),
        ('{"windows_credentials": [\n  {"sys_id": "323ff4b6d475c118e6757758c430092e"},\n  ]}', (2, 49, "array")),
    ],
)
def test_a_trailing_comma_in_json_is_placed_at_the_comma_on_every_python(
    tmp_path: Path, text: str, expected: tuple[int, int, str]
) -> None:
    [finding] = read(write(tmp_path, "credentials.json", text)).findings
    line, column, kind = expected
    assert (finding.rule, finding.position.line, finding.position.column) == ("SN001", line, column)
    assert finding.message == f"invalid JSON: Illegal trailing comma before end of {kind}"


# -- linear time ---------------------------------------------------------------------------------------------------
def _commented_export(records: int) -> str:
    """A comment on every line (and `#` inside quoted and block values), one `# snlint:` line."""
    lines = ["windows_credentials:  # the Mailbox credentials", "  # snlint: ignore[CRD004] reviewed (CHG0031337)"]
    for index in range(records):
        lines += [
            f"  - sys_id: a{index:031x}  # record {index}",
            f"    name: 'Mailbox #{index}'  # quoted, with a hash",
            f"    user_name: svc{index}@fabrikam.com  # the account",
            "    description: |  # a block",
            "      not # a comment",
            "    order: 100  # the default",
        ]
    return "\n".join(lines) + "\n"


def test_inline_ignores_are_found_in_linear_time(tmp_path: Path) -> None:
    scales_linearly(tmp_path, "commented.yaml", _commented_export, 100)
    result = read(write(tmp_path, "check.yaml", _commented_export(3)))
    assert [(ignore.rules, ignore.position.line, ignore.position.column) for ignore in result.ignores] == [
        (("CRD004",), 2, 3)
    ]


def _anchored_export(records: int) -> str:
    """Hand-written style: each record merges shared defaults and reuses an anchored alias sys_id."""
    lines = ["sys_alias:", "  - sys_id: &mid 1ff4d76b843b43108a39d5d8072fcfc2",
             "    id: sn_ex_online_spke.Microsoft_Exchange_Online_MID", "windows_credentials:"]
    for index in range(records):
        lines += [f"  - sys_id: a{index:031x}", "    <<: &defaults" if index == 0 else "    <<: *defaults",
                  *(["      active: true", "      order: 100", "      applies_to: all"] if index == 0 else []),
                  "    tag: *mid", f"    user_name: svc{index}@fabrikam.com"]
    return "\n".join(lines) + "\n"


def test_anchors_and_aliases_are_read_in_linear_time(tmp_path: Path) -> None:
    scales_linearly(tmp_path, "anchored.yaml", _anchored_export, 100)
    records = read(write(tmp_path, "check.yaml", _anchored_export(3))).records
    assert [(record.text("order"), record.text("tag")) for record in records[1:]] == [
        ("100", "1ff4d76b843b43108a39d5d8072fcfc2")
    ] * 3


def test_an_alias_bomb_is_refused_without_being_expanded(tmp_path: Path) -> None:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for index, name in enumerate("bcdefghijklmnopqrstuvwxyz"):
        lines.append(f"{name}: &{name} [" + ",".join([f"*{'abcdefghijklmnopqrstuvwxyz'[index]}"] * 9) + "]")
    path = write(tmp_path, "bomb.yaml", "windows_credentials:\n" + "\n".join("  " + line for line in lines) + "\n")
    took = seconds(lambda: read(path))
    [finding] = read(path).findings
    assert (finding.rule, finding.position.line, finding.position.column) == ("SN002", 7, 10)
    assert took < 2


# -- files that are not exports: judged from a prefix ----------------------------------------------------------
def _package_lock(megabytes: int) -> str:
    entry = '    "node_modules/pkg-{0}": {{"version": "1.0.{0}", "resolved": "https://registry.npmjs.org/pkg", ' \
            '"result": [{{"sys_id": "x"}}]}},\n'
    count = megabytes * 1024 * 1024 // len(entry.format(0))
    return '{\n  "name": "contoso-servicenow-config",\n  "packages": {\n' + "".join(
        entry.format(index) for index in range(count)
    ) + '    "": {}\n  }\n}\n'


@pytest.mark.parametrize("name", ["package-lock.json", "big.yaml"])
def test_a_large_file_that_is_not_an_export_is_neither_read_nor_parsed_whole(tmp_path: Path, name: str) -> None:
    small, large = tmp_path / f"small-{name}", tmp_path / name
    small.write_text(_package_lock(4), encoding="utf-8")
    large.write_text(_package_lock(40), encoding="utf-8")
    read(small)
    tracemalloc.start()
    try:
        short, long = seconds(lambda: read(small), 3), seconds(lambda: read(large))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    result = read(large)
    assert not result.is_export and not result.findings
    assert long < 0.5 and long < MAX_RATIO * max(short, 0.005), (short, long)
    assert peak < 2 * 1024 * 1024, peak  # the 64 KiB prefix, not 40 MB (1.1 GB when json.loads-ed whole)


def test_an_export_grows_linearly_in_time_and_memory(tmp_path: Path) -> None:
    def export(records: int) -> str:
        rows = ",\n".join(
            f'    {{"sys_class_name": "windows_credentials", "sys_id": "a{index:031x}", "name": "Mailbox {index}", '
            f'"user_name": "svc{index}@fabrikam.com", "order": "100"}}'
            for index in range(records)
        )
        return '{"result": [\n' + rows + "\n]}\n"

    little, large = write(tmp_path, "small.json", export(30)), write(tmp_path, "large.json", export(300))
    read(little)
    peaks = []
    for path in (little, large):
        tracemalloc.start()
        try:
            result = read(path)
            peaks.append(tracemalloc.get_traced_memory()[1])
        finally:
            tracemalloc.stop()
        assert not result.findings
    assert peaks[1] < MAX_RATIO * peaks[0], peaks
    assert peaks[1] < 400 * os.path.getsize(large), peaks  # linear in the file: a constant factor per byte
    short, long = seconds(lambda: read(little), 3), seconds(lambda: read(large))
    assert long < MAX_RATIO * short, (short, long)


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_the_fast_json_reader_agrees_with_the_yaml_reader_on_every_position(newline: str) -> None:
    from linter.read.yamldoc import Detail, load_json_document, load_yaml_document

    text = newline.join([
        '{"result": [',
        '  {"sys_class_name": "windows_credentials", "sys_id": "323ff4b6d475c118e6757758c430092e",',
        '   "name": "Bo\\u00eete caf\u00e9 \U0001f600", "order": 100, "weight": 1.10, "big": ' + "9" * 5000 + ",",
        '   "active": true, "mid_list": null, "tag": ["1ff4d76b843b43108a39d5d8072fcfc2", "b15"],',
        '   "ref": {"value": "d0f8e6da147a175708f6fa3431ef1e11", "display_value": "x"}, "empty": {}, "none": []}',
        "]}",
    ]) + newline
    fast, slow = Detail(), Detail()
    data, locate = load_json_document(text, detail=fast)
    expected, expected_locate = load_yaml_document(text, "x.json", detail=slow)
    assert data == expected
    assert fast.ends == slow.ends and fast.plain == {path: plain for path, plain in slow.plain.items()
                                                       if plain not in ("true", "null")}
    for path in [(), ("result",), ("result", 0), *[("result", 0, key) for key in expected["result"][0]],
                 ("result", 0, "tag", 1), ("result", 0, "ref", "value")]:
        assert locate(path) == expected_locate(path), path
    assert locate.keys == expected_locate.keys  # type: ignore[attr-defined]
    # a surrogate pair escape is one character (ruamel.yaml reads it as two lone surrogates)
    assert load_json_document('{"name": "\\ud83d\\ude00"}')[0] == {"name": "\U0001f600"}
