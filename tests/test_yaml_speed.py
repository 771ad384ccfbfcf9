"""YAML read by libyaml (the optional ruamel.yaml.clib) or by ruamel.yaml's pure-Python parser: the same records,
values, positions and findings either way, the pure parser whenever libyaml is missing or would read the text
differently; and a 1 MB export read within a CPU-time and memory budget measured against a baseline in the same
test (issue 10, section 3)."""

from __future__ import annotations

import itertools
import json
import random
import time
import tracemalloc
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import EXAMPLES, ROOT, cpu_seconds, read_yaml_export, write

from linter.read import yamldoc
from linter.read.base import ReadOptions, ReadResult
from linter.read.yamldoc import Detail, YamlProblem, load_yaml_document

TABLES = frozenset({"windows_credentials", "oauth_2_0_credentials", "sys_alias", "http_connection",
                    "oauth_entity_profile", "discovery_credentials", "basic_auth_credentials", "sys_properties"})
YAML_FILES = sorted(
    path
    for folder in (ROOT / "tests" / "fixtures", ROOT / "tests" / "corpus", EXAMPLES, ROOT / "rules")
    for pattern in ("*.yaml", "*.yml")
    for path in folder.rglob(pattern)
)
LIBYAML = yamldoc.c_parser()
needs_libyaml = pytest.mark.skipif(LIBYAML is None, reason="ruamel.yaml.clib is not installed")


@pytest.fixture
def pure(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[bool], None]]:
    """`pure(True)`: read as if ruamel.yaml.clib were not installed; `pure(False)`: as installed."""

    def use(pure_only: bool) -> None:
        monkeypatch.setattr(yamldoc, "c_parser", (lambda: None) if pure_only else (lambda: LIBYAML))

    yield use


def read(path: Path) -> ReadResult:
    return read_yaml_export(path, ReadOptions(tables=TABLES))


def document(text: str) -> object:
    """Everything load_yaml_document tells about `text`: data, every position, Detail; or the problem."""
    detail = Detail()
    try:
        data, locate = load_yaml_document(text, "x.yaml", detail=detail, aliases=True, stream=True)
    except YamlProblem as problem:
        return ("problem", problem.message, problem.line, problem.column, problem.refused)
    positions = {path: locate(path) for path in detail.ends}
    return data, positions, locate.keys, detail.ends, detail.plain, sorted(detail.scalars)  # type: ignore[attr-defined]


def both(pure: Callable[[bool], None], action: Callable[[], Any]) -> tuple[Any, Any]:
    pure(False)
    with_libyaml = action()
    pure(True)
    return with_libyaml, action()


# -- the same result either way --------------------------------------------------------------------------------
def test_most_fixtures_are_read_by_libyaml() -> None:
    """Otherwise the comparisons below would compare the pure parser with itself."""
    alike = [path for path in YAML_FILES if yamldoc._libyaml_reads_alike(path.read_text(encoding="utf-8-sig"))]
    assert len(YAML_FILES) >= 30 and len(alike) >= len(YAML_FILES) - 3, sorted(set(YAML_FILES) - set(alike))


@needs_libyaml
@pytest.mark.parametrize("path", YAML_FILES, ids=lambda path: str(path.relative_to(ROOT)))
def test_every_yaml_file_reads_the_same_with_libyaml_and_without(path: Path, pure: Callable[[bool], None]) -> None:
    text = path.read_text(encoding="utf-8-sig")
    c_document, pure_document = both(pure, lambda: document(text))
    assert c_document == pure_document
    c_result, pure_result = both(pure, lambda: read(path))
    assert c_result == pure_result  # records, values, positions, findings, inline ignores


def _mutations(count: int, seed: int) -> list[str]:
    """Fixture texts with a few characters inserted, deleted or copied: the places where parsers disagree."""
    texts = [path.read_text(encoding="utf-8-sig") for path in YAML_FILES]
    pieces = [*" \n:-?[]{},#&*!|>'\"%@`\\", "\r", "\u00e9", "\U0001f600", "\u00a0", "  ", "- ", ": ", "\n  ",
              "\n- ", "---\n", "...\n", "<<: ", "\x7f", "\u200b", "&a ", "*a", "!!str ", "\"\\u00e9\""]
    rng = random.Random(seed)
    mutated = []
    for _ in range(count):
        text = rng.choice(texts)
        for _ in range(rng.randint(1, 3)):
            at, roll = rng.randrange(len(text) + 1), rng.random()
            if roll < 0.6:
                text = text[:at] + rng.choice(pieces) + text[at:]
            elif roll < 0.9:
                text = text[:at] + text[at + rng.randint(1, 3):]
            else:
                start = rng.randrange(len(text) + 1)
                text = text[:at] + text[start : start + 20] + text[at:]
        mutated.append(text)
    return mutated


@needs_libyaml
def test_mutated_fixtures_read_the_same_with_libyaml_and_without(pure: Callable[[bool], None]) -> None:
    """Valid or not, a mutated file gives the same data, positions and Detail, or the same problem at the same
    place (an error met by libyaml is read again by the pure parser, for its words and position)."""
    texts = _mutations(300, 20241201)
    assert sum(map(yamldoc._libyaml_reads_alike, texts)) > 200
    for text in texts:
        c_document, pure_document = both(pure, lambda text=text: document(text))  # type: ignore[misc]
        assert c_document == pure_document, text


@needs_libyaml
@pytest.mark.parametrize(
    ("text", "problem"),
    [
        # an empty value is placed on its key, not after its `:` (libyaml) nor at the next token (ruamel.yaml)
        ("r:\n  a:\n  # note\n\n  b: 1\n", None),
        ("r:\n  - a:   # note\n  - b\n", None),
        ("{a: , b: 1}\n", None),
        # read by the pure parser only: libyaml would read them differently
        ("%YAML 1.1\n---\na: yes\n", None),  # YAML 1.1: a boolean
        ("a:\tb\n", ("found character '\\t' that cannot start any token", 1, 3)),
        ("a: b\t# note\n", ("found character '\\t' that cannot start any token", 1, 5)),
        ("a: |  # note\n  text\n", None),
        ("a: x\u2028b: y\n", ("mapping values are not allowed here", 1, 7)),
        # a lone surrogate (from an editor buffer): libyaml takes UTF-8 only
        ("a: x\ud800y\n", ("invalid YAML: unacceptable character #xd800: special characters are not allowed", 1, 1)),
        # `tags:` is the anchor's name in YAML 1.2, `tags` to libyaml
        ("&tags: [credentials]\nb: 1\n", ("expected '<document start>', but found ('<block mapping start>',)", 2, 1)),
        ("a: &anchor.1 x\nb: *anchor.1\n", None),
        ("a: 1", None),  # no final line break
        # errors: ruamel.yaml's words and positions whatever parser met them first
        ("r:\n  - a: 'open\n  - b\n", ("found unexpected end of stream", 4, 1)),
        ("r:\n  a: 1\n   b: 2\n", ("mapping values are not allowed here", 3, 5)),
        ("a: *nowhere\n", ("found undefined alias 'nowhere'", 1, 4)),
    ],
)
def test_text_libyaml_reads_differently_gets_the_pure_parsers_result(
    text: str, problem: tuple[str, int, int] | None, pure: Callable[[bool], None]
) -> None:
    c_document, pure_document = both(pure, lambda: document(text))
    assert c_document == pure_document
    if problem is not None:
        assert c_document[0] == "problem" and tuple(c_document[1:4]) == problem, c_document  # type: ignore[index]
    else:
        assert c_document[0] != "problem", c_document  # type: ignore[index]


def test_without_ruamel_yaml_clib_the_pure_parser_reads_everything(monkeypatch: pytest.MonkeyPatch) -> None:
    """ruamel.yaml sets `CParser` only when ruamel.yaml.clib imports: without it every file is read as before."""
    from ruamel.yaml import main

    expected = read(EXAMPLES / "credentials.yaml")
    monkeypatch.setattr(main, "CParser", None)
    assert yamldoc.c_parser() is None
    result = read(EXAMPLES / "credentials.yaml")
    assert result == expected and result.records
    assert next(iter(yamldoc.parse_events("a: [1]\n"))).__class__.__name__ == "StreamStartEvent"


# -- anchors, merges and alias bombs on both paths --------------------------------------------------------------
_NAMES = "abcdefghijklmnopqrstuvwxyz"
_BOMB = "windows_credentials:\n  a: &a [" + ",".join(['"lol"'] * 9) + "]\n" + "".join(
    f"  {name}: &{name} [" + ",".join([f"*{previous}"] * 9) + "]\n" for previous, name in itertools.pairwise(_NAMES)
)


@needs_libyaml
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (_BOMB, ("SN002", 7, 10, "YAML aliases expand to more than 100,000 nodes (an alias bomb): refused")),
        ("windows_credentials:\n  - &r\n    sys_id: a\n    self: *r\n",
         ("SN002", 4, 11, "a YAML alias inside the node it refers to (it would never end): refused")),
        ("windows_credentials:\n  - sys_id: 'abc\n", ("SN001", 3, 1, "invalid YAML: found unexpected end of stream")),
        ("windows_credentials:\n  - sys_id: " + "[" * 150 + "]" * 150 + "\n",
         ("SN002", 2, 110, "nesting deeper than 100 levels: refused")),
    ],
)
def test_refusals_and_errors_are_the_same_on_both_paths(
    tmp_path: Path, text: str, expected: tuple[str, int, int, str], pure: Callable[[bool], None]
) -> None:
    path = write(tmp_path, "credentials.yaml", text)
    c_result, pure_result = both(pure, lambda: read(path))
    assert c_result == pure_result
    [finding] = c_result.findings
    assert (finding.rule, finding.position.line, finding.position.column, finding.message) == expected


@needs_libyaml
def test_anchors_aliases_and_merges_read_the_same_on_both_paths(pure: Callable[[bool], None]) -> None:
    path = ROOT / "tests" / "fixtures" / "yaml_shapes" / "anchors" / "exchange-online.yaml"
    assert yamldoc._libyaml_reads_alike(path.read_text(encoding="utf-8"))
    c_result, pure_result = both(pure, lambda: read(path))
    assert c_result == pure_result and len(c_result.records) >= 3


# -- time and memory -------------------------------------------------------------------------------------------
def _records(count: int) -> dict[str, list[dict[str, object]]]:
    """Exchange Online credentials as exported (docs/credential-exports.md)."""
    rng = random.Random(count)
    oauth, mailbox = [], []
    for index in range(count):
        user = f"svc.exo-{index}@fabrikam{index % 7}.com"
        profile = f"{rng.getrandbits(128):032x}"
        oauth.append({
            "sys_id": f"{rng.getrandbits(128):032x}", "name": f"Exchange Online Mailbox OAuth {index}",
            "active": True, "order": 100, "sys_class_name": "oauth_2_0_credentials",
            "oauth_entity_profile": {"value": profile, "display_value": "Exchange Online Mailbox default_profile",
                                     "link": f"https://fabrikam.service-now.com/api/now/table/oauth_entity_profile/{profile}"},
            "sys_updated_on": f"2024-09-{1 + index % 28:02d} 16:58:12",
            "authorized_as": {"upn": user, "oid": "0c7d2f4e-9a31-4b6e-8d15-3e2a9f7c4b60",
                              "tid": "72f988bf-86f1-41af-91ab-2d7cd011db47"},
        })
        mailbox.append({
            "sys_id": f"{rng.getrandbits(128):032x}", "name": f"Exchange Online Mailbox {index}", "active": True,
            "user_name": user, "tag": f"{rng.getrandbits(128):032x}", "sys_class_name": "windows_credentials",
            "sys_updated_on": f"2024-09-{1 + index % 28:02d} 16:59:47",
        })
    return {"oauth_2_0_credentials": oauth, "windows_credentials": mailbox}


def _yaml(tables: dict[str, list[dict[str, object]]]) -> str:
    lines = ["# Exchange Online credentials, exported with the Table API", ""]
    for table, rows in tables.items():
        lines.append(f"{table}:")
        for row in rows:
            dash = "- "
            for key, value in row.items():
                if isinstance(value, dict):
                    lines.append(f"  {dash}{key}:   # as the Table API writes it")
                    lines.extend(f"      {inner}: {item}" for inner, item in value.items())
                else:
                    written = json.dumps(value) if isinstance(value, bool) else value
                    lines.append(f"  {dash}{key}: {written!r}" if key == "sys_updated_on" else
                                 f"  {dash}{key}: {written}")
                dash = "  "
    return "\n".join(lines) + "\n"


_cpu = cpu_seconds  # tests/conftest.py


def test_a_1mb_yaml_export_reads_within_budget(tmp_path: Path) -> None:
    """The same records as YAML and as Table API JSON (the JSON reader: ten times faster than YAML ever was)
    measured in the same test: YAML may cost a few times JSON (libyaml 1.7x measured, the pure parser 4x), and 10x
    the records at most ~10x the time. tracemalloc's peak is a constant factor of the file's size (~40 measured:
    parser nodes, data, positions and records of every value), the same at 110 KB and at 1.1 MB."""
    records = 1200  # 1.1 MB of YAML
    tables = _records(records)
    big = write(tmp_path, "credentials.yaml", _yaml(tables))
    small = write(tmp_path, "small/credentials.yaml", _yaml(_records(records // 10)))
    rows = [row for table in tables.values() for row in table]
    baseline = write(tmp_path, "credentials.json", json.dumps({"result": rows}, indent=1))
    assert 0.9e6 < big.stat().st_size < 1.3e6
    read(small)  # imports and the schema validator, paid before measuring
    tracemalloc.start()
    try:
        read(small)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 80 * small.stat().st_size, peak
    json_seconds, small_seconds = _cpu(lambda: read(baseline)), _cpu(lambda: read(small), 2)
    start = time.process_time()
    result = read(big)
    yaml_seconds = time.process_time() - start
    assert len(result.records) == 2 * records and not result.findings
    assert yaml_seconds < (4 if LIBYAML is not None else 10) * json_seconds, (yaml_seconds, json_seconds)
    assert yaml_seconds < 25 * small_seconds, (yaml_seconds, small_seconds)


@needs_libyaml
def test_libyaml_reads_an_export_faster_than_the_pure_parser(tmp_path: Path, pure: Callable[[bool], None]) -> None:
    """The measured reason for the dependency: the whole read of an export, about 2.5x faster (parsing alone ~5x)."""
    path = write(tmp_path, "credentials.yaml", _yaml(_records(200)))
    read(path)
    c_seconds, pure_seconds = both(pure, lambda: _cpu(lambda: read(path), 2))
    assert c_seconds * 1.5 < pure_seconds, (c_seconds, pure_seconds)
