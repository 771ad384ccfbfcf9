"""Fuzzing the readers with mutated realistic exports (tests/fixtures) and issue 10's hostile shapes
(tests/hostile_shapes.py, each also an explicit example as it is): elements dropped, duplicated and truncated,
escaping flipped, random bytes inserted, line ends and BOMs changed. Whatever the damage, no exception escapes
`engine.run` (no internal-error finding either), and every finding's position lies inside its file.

Bounded by default (about half a minute); SNLINT_DEEP_TESTS=1 runs many more examples.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

import hostile_shapes
from conftest import FIXTURES
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from linter.engine import run
from linter.model import Finding, Position
from linter.report import Report
from linter.report import json as json_report
from linter.report import text as text_report
from linter.settings import Settings

DEEP = os.environ.get("SNLINT_DEEP_TESTS") == "1"
SUFFIXES = {".xml", ".yaml", ".yml", ".json"}
SCENARIOS = sorted(
    folder for folder in FIXTURES.iterdir()
    if folder.is_dir() and any(path.suffix in SUFFIXES for path in folder.rglob("*"))
)
_BREAK = re.compile(r"\r\n|\r|\n")
_LEAF = re.compile(rb"<([A-Za-z_][\w.\-]*)\b[^<>]*?(?:/>|>[^<]*</\1>)")
_RECORD = re.compile(rb"<(sys_update_xml|record_update|[a-z_0-9]+_credentials|sys_alias|http_connection)\b.*?</\1>",
                     re.S)
_TAG = re.compile(rb"</?[A-Za-z_][\w.\-]*[^<>]*>")
_CDATA = re.compile(rb"<!\[CDATA\[(.*?)\]\]>", re.S)
_PAYLOAD = re.compile(rb"<payload>(.*?)</payload>", re.S)
_ESCAPES = (b"&amp;", b"&lt;", b"&gt;", b"&quot;", b"&#13;")
TOKENS = [b"<", b">", b"&", b"]]>", b"<![CDATA[", b"\x00", b"\xff\xfe", b"\r", b"\n", b"\xef\xbb\xbf", b"&#0;",
          b"<!DOCTYPE x>", b"<!ENTITY e 'x'>", b"&e;", b"</payload>", b"&lt;", b"\xf0\x9f\x98", b"\xe2\x80\xa8",
          b"- ", b": ", b"&a ", b"*a", b"{", b"[", b'"', b"\t", b"\\u0000", b"!!python/object:os.system"]

Mutation = Callable[[st.DrawFn, bytes], bytes]


def _position(draw: st.DrawFn, data: bytes) -> int:
    return draw(st.integers(0, len(data)))


def _pick(draw: st.DrawFn, matches: list[re.Match[bytes]]) -> re.Match[bytes] | None:
    return draw(st.sampled_from(matches)) if matches else None


def truncate(draw: st.DrawFn, data: bytes) -> bytes:
    return data[: _position(draw, data)]


def insert_bytes(draw: st.DrawFn, data: bytes) -> bytes:
    at = _position(draw, data)
    chunk = draw(st.one_of(st.sampled_from(TOKENS), st.binary(min_size=1, max_size=12)))
    return data[:at] + chunk + data[at:]


def delete_range(draw: st.DrawFn, data: bytes) -> bytes:
    at = _position(draw, data)
    return data[:at] + data[at + draw(st.integers(1, 64)):]


def drop_element(draw: st.DrawFn, data: bytes) -> bytes:
    found = _pick(draw, list(_LEAF.finditer(data)) or list(_RECORD.finditer(data)))
    return data if found is None else data[: found.start()] + data[found.end():]


def drop_tag(draw: st.DrawFn, data: bytes) -> bytes:
    found = _pick(draw, list(_TAG.finditer(data)))
    return data if found is None else data[: found.start()] + data[found.end():]


def duplicate_element(draw: st.DrawFn, data: bytes) -> bytes:
    pattern = draw(st.sampled_from([_LEAF, _RECORD]))
    found = _pick(draw, list(pattern.finditer(data)))
    return data if found is None else data[: found.end()] + found.group() + data[found.end():]


def truncate_element(draw: st.DrawFn, data: bytes) -> bytes:
    """Cut an element (a record or a field) short, keeping what follows it."""
    found = _pick(draw, list(_RECORD.finditer(data)) or list(_LEAF.finditer(data)))
    if found is None:
        return data
    cut = draw(st.integers(found.start(), found.end()))
    return data[:cut] + data[found.end():]


def flip_escaping(draw: st.DrawFn, data: bytes) -> bytes:
    """CDATA payload <-> entity-escaped, or one entity written raw, or one raw `<` / `&` escaped."""
    choice = draw(st.integers(0, 2))
    if choice == 0:
        found = _pick(draw, list(_CDATA.finditer(data)))
        if found is not None:
            body = found.group(1).replace(b"&", b"&amp;").replace(b"<", b"&lt;").replace(b">", b"&gt;")
            return data[: found.start()] + body + data[found.end():]
    if choice == 1:
        spots = [match for escape in _ESCAPES for match in re.finditer(re.escape(escape), data)]
        found = _pick(draw, spots)
        if found is not None:
            raw = {b"&amp;": b"&", b"&lt;": b"<", b"&gt;": b">", b"&quot;": b'"', b"&#13;": b"\r"}[found.group()]
            return data[: found.start()] + raw + data[found.end():]
    found = _pick(draw, list(re.finditer(rb"[<&]", data)))
    if found is None:
        return data
    escaped = b"&lt;" if found.group() == b"<" else b"&amp;"
    return data[: found.start()] + escaped + data[found.end():]


PAYLOAD_TOKENS = [b"<", b"&", b"]]>", b"<x>", b"</x>", b"<x/>", b"</record_update>", b"<!DOCTYPE x>", b"&lt;", b"&amp;",
                  b"&lt;x&gt;", b"&lt;/x&gt;", b"&lt;!DOCTYPE x&gt;", b"&#13;", b"&amp;#13;", b"\r\n", b"<![CDATA[x]]>",
                  b"&lt;![CDATA[x]]&gt;", b"\xf0\x9f\x98\x80", b"<record_update><sys_alias>"]


def damage_payload(draw: st.DrawFn, data: bytes) -> bytes:
    """Insert markup inside an update-set payload (CDATA or entity-escaped), where the second parse happens."""
    found = _pick(draw, list(_PAYLOAD.finditer(data)))
    if found is None:
        return insert_bytes(draw, data)
    at = draw(st.integers(found.start(1), found.end(1)))
    return data[:at] + draw(st.sampled_from(PAYLOAD_TOKENS)) + data[at:]


def line_ends(draw: st.DrawFn, data: bytes) -> bytes:
    ending = draw(st.sampled_from([b"\r\n", b"\r", b"\n"]))
    data = data.replace(b"\r\n", b"\n").replace(b"\n", ending)
    return b"\xef\xbb\xbf" + data if draw(st.booleans()) and not data.startswith(b"\xef\xbb\xbf") else data


MUTATIONS: list[Mutation] = [truncate, insert_bytes, delete_range, drop_element, drop_tag, duplicate_element,
                             truncate_element, flip_escaping, damage_payload, line_ends]


@st.composite
def damaged(draw: st.DrawFn) -> tuple[Path, Path, bytes]:
    """A fixture scenario, one of its export files, and that file's bytes after a few mutations."""
    folder = draw(st.sampled_from(SCENARIOS))
    files = sorted(path for path in folder.rglob("*") if path.suffix in SUFFIXES)
    victim = draw(st.sampled_from(files))
    data = victim.read_bytes()
    for mutation in draw(st.lists(st.sampled_from(MUTATIONS), min_size=1, max_size=4)):
        data = mutation(draw, data)
    return folder, victim, data


def _lines(path: Path) -> list[str]:
    text = path.read_bytes().decode("utf-8", "replace").removeprefix("\ufeff")
    return _BREAK.split(text)


def _inside(position: Position, root: Path, cache: dict[str, list[str]]) -> None:
    path = root / position.path
    if position.path not in cache:
        cache[position.path] = _lines(path)
    lines = cache[position.path]
    where = f"{position.path}:{position.line}:{position.column}-{position.end_line}:{position.end_column}"
    assert 1 <= position.line <= len(lines), where
    assert 1 <= position.column <= len(lines[position.line - 1]) + 1, where
    if position.end_line:
        assert position.line <= position.end_line <= len(lines), where
        assert 1 <= position.end_column <= len(lines[position.end_line - 1]) + 1, where
        assert (position.end_line, position.end_column) >= (position.line, position.column), where


def check_run(root: Path) -> list[Finding]:
    """Lint `root` in process: nothing escapes, no internal error, every position inside its file."""
    previous = os.getcwd()
    os.chdir(root)
    try:
        result = run(["."], Settings(), use_context=False)
        cache: dict[str, list[str]] = {}
        for item in result.findings:
            assert item.rule != "SN000", item.message
            _inside(item.position, root, cache)
            for other in item.related:
                _inside(other.position, root, cache)
        report = Report(result.findings, result.files)
        json_report.render(report)
        text_report.render(report)
    finally:
        os.chdir(previous)
    assert not result.internal_error
    return result.findings


PROFILE = settings(
    max_examples=5000 if DEEP else 400,
    deadline=None,
    derandomize=not DEEP,  # the default run is the same every time; the deep run explores
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@PROFILE
@given(case=damaged())
def test_damaged_exports_never_crash_and_positions_stay_inside(case: tuple[Path, Path, bytes]) -> None:
    folder, victim, data = case
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch) / folder.name
        shutil.copytree(folder, root)
        (root / victim.relative_to(folder)).write_bytes(data)
        check_run(root)


@PROFILE
@given(data=st.binary(max_size=2048), suffix=st.sampled_from(sorted(SUFFIXES)))
def test_random_bytes_never_crash(data: bytes, suffix: str) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        (root / f"input{suffix}").write_bytes(data)
        check_run(root)


HOSTILE_SEEDS = hostile_shapes.seeds(10 if DEEP else 1)


def _only_file(files: hostile_shapes.Files) -> tuple[str, bytes]:
    ((name, data),) = files.items()
    return name, data


@st.composite
def damaged_shape(draw: st.DrawFn) -> tuple[str, bytes]:
    """One of issue 10's hostile shapes (a one-file folder) after a few mutations."""
    name, data = _only_file(HOSTILE_SEEDS[draw(st.sampled_from(sorted(HOSTILE_SEEDS)))])
    for mutation in draw(st.lists(st.sampled_from(MUTATIONS), min_size=1, max_size=3)):
        data = mutation(draw, data)
    return name, data


def _with_hostile_seeds(test: Callable[..., None]) -> Callable[..., None]:
    """Every hostile shape, undamaged, as an explicit example (run first, every time)."""
    for files in HOSTILE_SEEDS.values():
        test = example(case=_only_file(files))(test)
    return test


@settings(PROFILE, max_examples=2000 if DEEP else 60)
@_with_hostile_seeds
@given(case=damaged_shape())
def test_damaged_hostile_shapes_never_crash(case: tuple[str, bytes]) -> None:
    name, data = case
    with tempfile.TemporaryDirectory() as scratch:
        (Path(scratch) / name).write_bytes(data)
        check_run(Path(scratch))


def test_the_fuzzer_damages_files_into_findings(tmp_path: Path) -> None:
    """The harness itself: a truncated export does come back as an SN001 inside the file (the check can fail)."""
    source = FIXTURES / "exo001_update_set_cdata" / "exo_spoke_credentials.xml"
    data = source.read_bytes()
    (tmp_path / "cut.xml").write_bytes(data[: len(data) // 2])
    findings = check_run(tmp_path)
    assert [item.rule for item in findings] == ["SN001"]
