"""Hostile XML at scale (issue 10, section 3): suppression matching is indexed, a payload's memory is bounded by its
size, and reading grows linearly. Each scaling test measures two sizes in the same test (10x apart) and allows the
time to grow at most ~25x where a quadratic cost would give 100x; memory is the peak RSS of a subprocess (its
VmHWM where /proc has it, else resource.getrusage), compared with 3x the payload plus a constant."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from conftest import ROOT, cpu_seconds

from linter import policy
from linter.engine import builtin_rules
from linter.model import Finding, Position, Severity
from linter.read.base import InlineIgnore, ReadOptions
from linter.read.xml import read_xml
from linter.settings import Settings

MIB = 1 << 20
GROWTH = 25  # allowed time ratio for 10x the input (linear: ~10, quadratic: ~100)

HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?><unload unload_date="2024-09-04 08:15:02">\n'
    '<sys_remote_update_set action="INSERT_OR_UPDATE">\n<name>hostile</name>\n'
    "<sys_id>550a9152534452103a946777183c88c7</sys_id>\n</sys_remote_update_set>\n"
)


def seconds(work: Callable[[], object], repeat: int = 3) -> float:
    """The best CPU time of `repeat` runs (tests/conftest.py)."""
    return cpu_seconds(work, repeat)

def credential(number: int, notes: str = "") -> str:
    """A windows_credentials record_update document (as a payload holds it), `notes` in a u_notes field."""
    sys_id = f"{number:032x}"
    return (
        '<?xml version="1.0" encoding="UTF-8"?><record_update table="windows_credentials">'
        f'<windows_credentials action="INSERT_OR_UPDATE"><name>Mailbox {number}</name><sys_id>{sys_id}</sys_id>'
        f"<u_notes>{notes}</u_notes><user_name>svc.{number}@contoso.com</user_name></windows_credentials>"
        "</record_update>"
    )


def escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def update(number: int, document: str, cdata: bool) -> str:
    payload = f"<![CDATA[{document}]]>" if cdata else escape(document)
    return (
        f'<sys_update_xml action="INSERT_OR_UPDATE">\n<name>windows_credentials_{number:032x}</name>\n'
        f"<payload>{payload}</payload>\n<sys_updated_on>2024-09-04 08:15:02</sys_updated_on>\n</sys_update_xml>\n"
    )


def read(path: Path) -> int:
    with path.open("rb") as handle:
        options = ReadOptions(tables=frozenset({"windows_credentials"}))
        result = read_xml(str(path), options, handle.fileno(), path.stat().st_size)
    assert not result.findings, result.findings
    return len(result.records)


# -- suppression matching ------------------------------------------------------------------------------------------
def _suppressed(count: int) -> float:
    """`count` suppressions and `count` findings on one line of one file: a scan per finding is count x count."""
    where = Position("export.xml", 7, 1)
    ignores = [InlineIgnore(("EXO001",) if index % 2 else ("CRD004",), where, "reason") for index in range(count)]
    findings = [Finding("CRD004", Severity.WARNING, f"finding {index}", Position("export.xml", 8, index + 1))
                for index in range(count)]
    rules = builtin_rules()
    kept: list[Finding] = []

    def apply() -> None:
        kept[:] = policy.apply(findings, rules, Settings(), ignores, whole_run=False)

    took = seconds(apply)
    assert not any(item.rule == "CRD004" for item in kept)  # every finding suppressed by the first suppression
    assert sum(item.rule == "SN004" for item in kept) == count - 1  # every other one unused
    return took


def test_inline_suppression_matching_is_indexed() -> None:
    small, large = _suppressed(1000), _suppressed(10_000)
    assert large < 2.0 and large / small < GROWTH, (small, large)


def test_a_suppression_covers_only_its_lines() -> None:
    ignores = [InlineIgnore(("CRD004",), Position("a.xml", 10, 1), "r"),
               InlineIgnore(("CRD",), Position("a.xml", 20, 1), "r", last_line=30)]
    lines = [9, 10, 11, 12, 19, 20, 25, 30, 31]
    findings = [Finding("CRD004", Severity.WARNING, f"at {line}", Position("a.xml", line, 3)) for line in lines]
    findings.append(Finding("CRD004", Severity.WARNING, "other file", Position("b.xml", 10, 3)))
    kept = policy.apply(findings, builtin_rules(), Settings(), ignores, whole_run=False)
    assert [(item.position.path, item.position.line) for item in kept] == [
        ("a.xml", 9), ("a.xml", 12), ("a.xml", 19), ("a.xml", 31), ("b.xml", 10)]


# -- memory: a payload costs at most 3x its size ------------------------------------------------------------------
_PEAK = """
import os, resource, sys
from linter.read.base import ReadOptions
from linter.read.xml import read_xml
path = sys.argv[1]
fd = os.open(path, os.O_RDONLY)
result = read_xml(path, ReadOptions(tables=frozenset({"windows_credentials"})), fd, os.fstat(fd).st_size)
assert len(result.records) == 1 and not result.findings, result.findings
try:  # this process's own high-water mark: ru_maxrss keeps the parent's across fork and exec on Linux
    with open("/proc/self/status") as status:
        print(next(int(line.split()[1]) * 1024 for line in status if line.startswith("VmHWM:")))
except OSError:
    print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024)
"""


def peak_bytes(path: Path) -> int:
    done = subprocess.run([sys.executable, "-c", _PEAK, str(path)], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "PYTHONPATH": str(ROOT)}, check=True)
    return int(done.stdout)


def big_payload(tmp_path: Path, name: str, size: int, cdata: bool) -> tuple[Path, int]:
    """An update set whose one payload holds a credential with `size` bytes of notes (markup, so the escaped form
    escapes twice); returns the file and the payload's size in the file."""
    line = escape("<p>Owner: Messaging & Operations, rotated every 90 days</p>") + "\n"
    text = HEAD + update(1, credential(1, line * (size // len(line))), cdata) + "</unload>\n"
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    payload = text.index("</payload>") - text.index("<payload>")
    return path, payload


def test_a_large_payload_costs_at_most_three_times_its_size(tmp_path: Path) -> None:
    baseline = peak_bytes(big_payload(tmp_path, "tiny.xml", 1000, cdata=False)[0])  # interpreter and modules
    for cdata in (False, True):
        path, payload = big_payload(tmp_path, f"big-{cdata}.xml", 24 * MIB, cdata)
        peak = peak_bytes(path)
        assert peak < baseline + 3 * payload, (cdata, peak / MIB, baseline / MIB, payload / MIB)
        path.unlink()


# -- time: linear in the input ------------------------------------------------------------------------------------
def test_reading_a_large_escaped_payload_is_linear(tmp_path: Path) -> None:
    small, _ = big_payload(tmp_path, "small.xml", MIB // 2, cdata=False)
    large, _ = big_payload(tmp_path, "large.xml", 5 * MIB, cdata=False)
    short, long = seconds(lambda: read(small)), seconds(lambda: read(large), repeat=1)
    assert long / short < GROWTH, (short, long)


def test_reading_many_payloads_is_linear(tmp_path: Path) -> None:
    def write(name: str, count: int) -> Path:
        updates = "".join(update(number, credential(number, escape("<b>x</b>") * 3), number % 2 == 0)
                          for number in range(count))
        path = tmp_path / name
        path.write_text(HEAD + updates + "</unload>\n", encoding="utf-8")
        return path

    small, large = write("small.xml", 300), write("large.xml", 3000)
    assert read(small) == 300 and read(large) == 3000
    short, long = seconds(lambda: read(small)), seconds(lambda: read(large), repeat=1)
    assert long / short < GROWTH, (short, long)


def test_many_suppression_comments_through_the_command_are_linear(tmp_path: Path) -> None:
    """A list export of N credentials with a user name to trim (CRD004), each under a suppression comment."""
    def write(name: str, count: int) -> Path:
        records = "".join(
            f'<windows_credentials action="INSERT_OR_UPDATE">\n<name>Mailbox {number}</name>\n'
            f"<sys_id>{number:032x}</sys_id>\n<!-- snlint: ignore[CRD004] legacy account -->\n"
            f"<user_name> svc.{number}@contoso.com</user_name>\n</windows_credentials>\n"
            for number in range(count)
        )
        path = tmp_path / name / "windows_credentials.xml"
        path.parent.mkdir()
        path.write_text(f'<?xml version="1.0" encoding="UTF-8"?>\n<unload>\n{records}</unload>\n', encoding="utf-8")
        return path

    def lint(path: Path) -> float:
        start = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "linter", "--isolated", "--no-context", "--format", "json",
                               str(path)], capture_output=True, text=True, timeout=120,
                              env={**os.environ, "PYTHONPATH": str(ROOT)})
        took = time.perf_counter() - start
        assert done.returncode == 0 and json.loads(done.stdout)["findings"] == [], done.stderr[-2000:]
        return took

    small, large = write("small", 1000), write("large", 10_000)
    short = min(lint(small) for _ in range(2))
    long = lint(large)
    assert long / short < GROWTH, (short, long)
