"""GitHub Actions output: one workflow command per finding, exact positions, GitHub's escaping of values."""

from __future__ import annotations

import json
import re

from conftest import ROOT, snlint

from linter.model import Finding, Position, Related, Severity
from linter.report import Report, github

UPDATE_SET = "examples/update-sets/exchange_online_setup.xml"
COMMAND = re.compile(r"^::(error|warning|notice) ((?:[A-Za-z]+=[^,:]*,?)+)::(.*)$")


def unescape(text: str) -> str:
    """What the Actions runner makes of an escaped value (the reverse of @actions/core's escaping)."""
    for escaped, plain in (("%0D", "\r"), ("%0A", "\n"), ("%3A", ":"), ("%2C", ","), ("%25", "%")):
        text = text.replace(escaped, plain)
    return text


def parse(line: str) -> tuple[str, dict[str, str], str]:
    match = COMMAND.match(line)
    assert match, line
    properties = dict(part.split("=", 1) for part in match.group(2).split(","))
    return match.group(1), {name: unescape(value) for name, value in properties.items()}, unescape(match.group(3))


def test_update_set_annotation() -> None:
    result = snlint("--isolated", "--no-context", "--format", "github", UPDATE_SET, cwd=ROOT)
    assert result.returncode == 1, result.stderr
    [line] = result.stdout.splitlines()  # one line per finding, nothing else (no summary line)
    assert line.startswith(
        "::error file=examples/update-sets/exchange_online_setup.xml,line=222,col=119,endLine=222,endColumn=144,"
        "title=EXO001::Mailbox credential 'Exchange Online Mailbox' (e1327893e1b852103a946777183c8880)"
    )
    kind, properties, message = parse(line)
    assert (kind, properties["title"]) == ("error", "EXO001")
    assert "user 'mailbox.admin@contoso.com' is not the Microsoft account 'exo.service@contoso.com'" in message
    assert message.splitlines()[1].startswith(
        "note: examples/update-sets/exchange_online_setup.xml:195:839: OAuth 2.0 credential"
    )


def test_every_example_finding_is_one_command() -> None:
    commands = snlint("--isolated", "--format", "github", "examples/", cwd=ROOT).stdout.splitlines()
    findings = snlint("--isolated", "--format", "json", "examples/", cwd=ROOT).stdout
    expected = [(f["severity"], f["rule"], f["path"], f["line"], f["column"]) for f in json.loads(findings)["findings"]]
    kinds = {"error": "error", "warning": "warning", "info": "notice"}
    parsed = [parse(line) for line in commands]
    assert [(kind, p["title"], p["file"], int(p["line"]), int(p["col"])) for kind, p, _ in parsed] == [
        (kinds[severity], rule, path, line, column) for severity, rule, path, line, column in expected
    ]


def test_clean_run_prints_nothing() -> None:
    result = snlint("--isolated", "--format", "github", "tests/fixtures/list_export_clean", cwd=ROOT)
    assert (result.returncode, result.stdout) == (0, "")


def test_escaping_follows_actions_core() -> None:
    assert github.escape_data("100% done\r\nnext: a, b") == "100%25 done%0D%0Anext: a, b"
    assert github.escape_property("a%b\r\nc:d,e") == "a%25b%0D%0Ac%3Ad%2Ce"
    assert github.escape_property("%3A") == "%253A"  # an already escaped-looking value survives a round trip


def test_hostile_paths_and_messages_round_trip() -> None:
    path = "exports/odd,name: 100%.xml"
    finding = Finding(
        "EXO004",
        Severity.INFO,
        "line one\nline two: with, separators %0A",
        Position(path, 4, 2, 4, 9),
        related=(Related(Position("other.xml", 1, 1), "the other\rside"),),
    )
    line = github.render(Report([finding]))
    assert line.endswith("\n") and line.count("\n") == 1
    kind, properties, message = parse(line.rstrip("\n"))
    assert kind == "notice"
    assert properties == {"file": path, "line": "4", "col": "2", "endLine": "4", "endColumn": "9", "title": "EXO004"}
    assert message == "line one\nline two: with, separators %0A\nnote: other.xml:1:1: the other\rside"


def test_unknown_end_is_left_out() -> None:
    line = github.command(Finding("SN001", Severity.ERROR, "unreadable", Position("a.xml", 1, 1)), Report([]))
    assert line == "::error file=a.xml,line=1,col=1,title=SN001::unreadable"
