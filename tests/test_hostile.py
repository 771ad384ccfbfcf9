"""Hostile and broken input (issue 5): a corpus of nasty files, generated here, each run through the real command
with a 1 GiB address-space cap and a timeout. Each must end in an SN00x finding at a line (exit 1) or a documented
clean skip, in bounded time, without a traceback; a canary file behind an external entity must never be echoed.

Run with `pytest -rP tests/test_hostile.py` to see each case's outcome, time and peak memory.
"""

from __future__ import annotations

import gzip
import json
import os
import random
import re
import resource
import stat
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from conftest import FIXTURES, ROOT

from linter.report import FORMATS

GIB = 1 << 30
TIMEOUT = 60.0  # a hung case fails; a healthy one takes well under a second or two
SLOW = 20.0  # what a single case may take on a slow 2-core runner before it counts as unbounded
CANARY = "SNLINT-CANARY-7c1e5f0a9b"

_BREAK = re.compile(r"\r\n|\r|\n")


# -- running the real command under limits ----------------------------------------------------------------------
@dataclass(frozen=True)
class Outcome:
    returncode: int
    stdout: str
    stderr: str
    seconds: float
    peak_mib: float

    def report(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads(self.stdout)
        return data

    def findings(self) -> list[tuple[str, str, int, int]]:
        return [(f["rule"], f["path"], f["line"], f["column"]) for f in self.report()["findings"]]


def _cap_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (GIB, GIB))


def run_capped(
    *args: str, cwd: Path, timeout: float = TIMEOUT, preexec: Callable[[], None] = _cap_memory, code: str = ""
) -> Outcome:
    """`python -m linter ARGS` (or `python -c CODE ARGS`) with a memory cap; time and peak RSS measured."""
    command = [sys.executable, "-c", code, *args] if code else [sys.executable, "-m", "linter", *args]
    env = {**os.environ, "NO_COLOR": "1", "PYTHONPATH": str(ROOT)}
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.monotonic()
        process = subprocess.Popen(command, cwd=cwd, stdout=out, stderr=err, stdin=subprocess.DEVNULL,
                                   preexec_fn=preexec, env=env)
        while True:
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() - start > timeout:
                process.kill()
                os.wait4(process.pid, 0)
                process.returncode = -9
                pytest.fail(f"snlint {' '.join(args)} did not finish within {timeout:.0f} s")
            time.sleep(0.005)
        seconds = time.monotonic() - start
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return Outcome(
            process.returncode,
            out.read().decode("utf-8", "replace"),
            err.read().decode("utf-8", "replace"),
            seconds,
            usage.ru_maxrss / 1024,
        )


def lint(path: Path, fmt: str = "json", *extra: str) -> Outcome:
    return run_capped("--no-context", "--format", fmt, *extra, path.name, cwd=path.parent)


def clean(outcome: Outcome) -> None:
    """No traceback and nothing unexpected on stderr; bounded time."""
    assert "Traceback" not in outcome.stderr, outcome.stderr
    assert outcome.stderr == "", outcome.stderr
    assert outcome.seconds < SLOW, f"took {outcome.seconds:.1f} s"


def where(text: str, needle: str, skip: int = 0) -> tuple[int, int]:
    """1-based (line, column) of the first character of `needle` (after `skip` characters of it)."""
    index = text.index(needle) + skip
    before = _BREAK.split(text[:index])
    return len(before), len(before[-1]) + 1


# -- realistic containers ---------------------------------------------------------------------------------------
HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?><unload unload_date="2024-09-04 08:15:02">\n'
    '<sys_remote_update_set action="INSERT_OR_UPDATE">\n<name>EXO spoke setup</name>\n'
    "<sys_id>550a9152534452103a946777183c88c7</sys_id>\n</sys_remote_update_set>\n"
)


def credential(user: str = "exo.mailbox@contoso.com", password: str = "", sys_id: str = "") -> str:
    """A windows_credentials record_update document, as ServiceNow writes it into a payload."""
    sys_id = sys_id or "5a319704d13a52103a946777183c88bc"
    return (
        '<?xml version="1.0" encoding="UTF-8"?><record_update sys_domain="global" table="windows_credentials">'
        '<windows_credentials action="INSERT_OR_UPDATE"><active>true</active><applies_to>all</applies_to>'
        f"<mid_list/><name>Exchange Online Mailbox</name><order>100</order><password>{password}</password>"
        f"<sys_class_name>windows_credentials</sys_class_name><sys_id>{sys_id}</sys_id>"
        "<sys_updated_on>2024-09-04 08:15:02</sys_updated_on><tag>1ff4d76b843b43108a39d5d8072fcfc2</tag>"
        f"<user_name>{user}</user_name></windows_credentials></record_update>"
    )


def escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def update(name: str, document: str, cdata: bool = True) -> str:
    payload = f"<![CDATA[{document}]]>" if cdata else escape(document)
    return (
        '<sys_update_xml action="INSERT_OR_UPDATE">\n<action>INSERT_OR_UPDATE</action>\n<category>customer</category>\n'
        f"<name>{name}</name>\n<payload>{payload}</payload>\n"
        "<sys_updated_on>2024-09-04 08:15:02</sys_updated_on>\n</sys_update_xml>\n"
    )


def update_set(*updates: str) -> str:
    return HEAD + "".join(updates) + "</unload>\n"


CREDENTIAL_UPDATE = "windows_credentials_5a319704d13a52103a946777183c88bc"


# -- the corpus ---------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Case:
    """A nasty file: its name, its bytes (from the case's own folder), and the expected first finding."""

    name: str
    filename: str
    build: Callable[[Path], bytes]
    rule: str | None  # None: a clean skip (no finding, exit 0)
    at: Callable[[bytes], tuple[int, int]] | None = None  # exact (line, column), when the case pins it
    note: str = ""


def _text(data: bytes) -> str:
    return data.decode("utf-8", "replace").removeprefix("\ufeff")


def _at(needle: str, skip: int = 0) -> Callable[[bytes], tuple[int, int]]:
    return lambda data: where(_text(data), needle, skip)


def _first_undecodable(data: bytes) -> tuple[int, int]:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as error:
        return where(data[: error.start].decode("utf-8") + "\0", "\0")
    raise AssertionError("the data is valid UTF-8")


def _fixed(line: int, column: int) -> Callable[[bytes], tuple[int, int]]:
    return lambda data: (line, column)


def _billion_laughs(folder: Path) -> bytes:
    entities = '<!ENTITY lol "lol">\n' + "".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">\n' for i in range(1, 10)
    )
    return f'<?xml version="1.0"?>\n<!DOCTYPE lolz [\n{entities}]>\n<lolz>&lol9;</lolz>\n'.encode()


def _quadratic(folder: Path) -> bytes:
    big = "A" * 200_000
    return (
        f'<?xml version="1.0"?>\n<!DOCTYPE unload [<!ENTITY a "{big}">]>\n<unload>'
        + "&a;" * 100_000
        + "</unload>\n"
    ).encode()


def _canary(folder: Path) -> Path:
    canary = folder / "canary.txt"
    canary.write_text(CANARY + "\n", encoding="utf-8")
    return canary


def _external_entity(folder: Path) -> bytes:
    uri = _canary(folder).as_uri()
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE unload [<!ENTITY xxe SYSTEM "{uri}">]>\n'
        '<unload unload_date="2024-09-04 08:15:02">\n<windows_credentials action="INSERT_OR_UPDATE">\n'
        "<name>&xxe;</name>\n<sys_id>5a319704d13a52103a946777183c88bc</sys_id>\n<user_name>&xxe;</user_name>\n"
        "</windows_credentials>\n</unload>\n"
    ).encode()


def _parameter_entity(folder: Path) -> bytes:
    uri = _canary(folder).as_uri()
    return (
        f'<?xml version="1.0"?>\n<!DOCTYPE unload [\n  <!ENTITY % remote SYSTEM "{uri}">\n  %remote;\n]>\n'
        "<unload><sys_alias><sys_id>x</sys_id></sys_alias></unload>\n"
    ).encode()


def _doctype_system(folder: Path) -> bytes:
    uri = _canary(folder).as_uri()
    return f'<?xml version="1.0"?>\n<!DOCTYPE unload SYSTEM "{uri}">\n<unload/>\n'.encode()


def _doctype_in_payload(folder: Path) -> bytes:
    uri = _canary(folder).as_uri()
    inner = credential(user="&xxe;").replace(
        "?><record_update", f'?><!DOCTYPE record_update [<!ENTITY xxe SYSTEM "{uri}">]><record_update'
    )
    return update_set(update(CREDENTIAL_UPDATE, inner, cdata=False)).encode()


def _deep_bare(folder: Path) -> bytes:
    return ("<a>" * 200_000 + "</a>" * 200_000).encode()


DEEP_PREFIX = '<?xml version="1.0" encoding="UTF-8"?><unload unload_date="2024-09-04 08:15:02">'


def _deep_export(folder: Path) -> bytes:
    return (DEEP_PREFIX + "<a>" * 200_000 + "</a>" * 200_000 + "</unload>").encode()


def _deep_payload(folder: Path) -> bytes:
    inner = credential().replace("<active>", "<x>" * 600 + "</x>" * 600 + "<active>")
    return update_set(update(CREDENTIAL_UPDATE, inner)).encode()


def _line_5mb_export(folder: Path) -> bytes:
    """A list export saved on one 5 MB line, a plaintext password in its last record."""
    group = (
        '<sys_user_group action="INSERT_OR_UPDATE"><active>true</active><description>'
        + "Group description. " * 20
        + "</description><name>Service Desk</name><sys_id>477a05d153013010b846ddeeff7b1225</sys_id></sys_user_group>"
    )
    groups = group * (5_000_000 // len(group) + 1)
    record = (
        '<windows_credentials action="INSERT_OR_UPDATE"><active>true</active><name>File servers</name>'
        "<password>Wint3r-Is-Coming</password><sys_id>b0bfc1f76bf752103a946777183c88fb</sys_id>"
        "<user_name>CONTOSO\\svc-fs</user_name></windows_credentials>"
    )
    return (DEEP_PREFIX + groups + record + "</unload>").encode()


def _line_5mb_garbage(folder: Path) -> bytes:
    return b"A" * 5_000_000


def _binary(folder: Path) -> bytes:
    return random.Random(20240904).randbytes(64 * 1024)


def _high_bytes(folder: Path) -> bytes:
    generator = random.Random(7)
    return bytes(generator.randrange(0x80, 0x100) for _ in range(4096))


def _gzip(folder: Path) -> bytes:
    return gzip.compress(update_set(update(CREDENTIAL_UPDATE, credential())).encode(), mtime=0)


def _invalid_utf8(folder: Path) -> bytes:
    return update_set(update(CREDENTIAL_UPDATE, credential(user="caf@@@"))).encode().replace(b"@@@", b"\xe9")


def _invalid_utf8_head(folder: Path) -> bytes:
    return HEAD.encode().replace(b"EXO spoke setup", b"EXO \xe9t\xe9 setup") + b"</unload>\n"


def _nul(folder: Path) -> bytes:
    return update_set().encode().replace(b"EXO spoke", b"EXO\x00spoke")


def _nul_late(folder: Path) -> bytes:
    filler = update(CREDENTIAL_UPDATE, credential()) * 10
    return update_set(filler, update(CREDENTIAL_UPDATE, credential(user="exo\x00mailbox"))).encode()


def _control(folder: Path) -> bytes:
    return update_set(update(CREDENTIAL_UPDATE, credential(user="exo\x07mailbox@contoso.com"))).encode()


def _trailing(folder: Path) -> bytes:
    return (update_set() + "garbage after the root\n").encode()


def _two_roots(folder: Path) -> bytes:
    return (update_set() + '<unload unload_date="2024-09-04 08:15:03"></unload>\n').encode()


def _truncated(folder: Path) -> bytes:
    data = update_set(update(CREDENTIAL_UPDATE, credential())).encode()
    return data[: data.index(b"<order>")]


def _malformed_payload(cdata: bool) -> Callable[[Path], bytes]:
    def build(folder: Path) -> bytes:
        inner = credential().replace("<order>100</order>", "<order>100</ordr>")
        return update_set(update(CREDENTIAL_UPDATE, inner, cdata)).encode()

    return build


def _utf16(folder: Path) -> bytes:
    return update_set().encode("utf-16")


def _utf16_no_bom(folder: Path) -> bytes:
    return update_set().encode("utf-16-le")


def _utf32(folder: Path) -> bytes:
    return update_set().encode("utf-32")


def _bom_only(folder: Path) -> bytes:
    return b"\xef\xbb\xbf"


def _latin1_declared(folder: Path) -> bytes:
    text = update_set(update(CREDENTIAL_UPDATE, credential(password="S\u00e9same-0uvre-toi")))
    return text.replace('encoding="UTF-8"', 'encoding="ISO-8859-1"').encode("latin-1")


def _unknown_encoding(folder: Path) -> bytes:
    text = update_set(update(CREDENTIAL_UPDATE, credential(password="S\u00e9same-0uvre-toi")))
    return text.replace('encoding="UTF-8"', 'encoding="TF-8"', 1).encode("utf-8")


def _pom(folder: Path) -> bytes:
    return b'<?xml version="1.0"?>\n<project><modelVersion>4.0.0</modelVersion></project>\n'


def _yaml_alias_bomb(folder: Path) -> bytes:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for index, name in enumerate("bcdefghi"):
        previous = "abcdefghi"[index]
        lines.append(f"{name}: &{name} [" + ",".join([f"*{previous}"] * 9) + "]")
    return ("\n".join(lines) + "\n").encode()


def _yaml_alias_bomb_export(folder: Path) -> bytes:
    return (
        b"windows_credentials:\n"
        b"  - &cred\n"
        b"    sys_id: 5a319704d13a52103a946777183c88bc\n"
        b"    name: Exchange Online Mailbox\n"
        b"    user_name: exo.mailbox@contoso.com\n"
        b"  - *cred\n"
    )


def _deep_json(folder: Path) -> bytes:
    return ("[" * 200_000 + "]" * 200_000).encode()


def _deep_json_export(folder: Path) -> bytes:
    return ('{"result": ' + "[" * 200_000 + "]" * 200_000 + "}").encode()


def _deep_yaml(folder: Path) -> bytes:
    return ("windows_credentials:\n  - " + "[" * 200_000 + "]" * 200_000 + "\n").encode()


def _trailing_json(folder: Path) -> bytes:
    return (b'{"result": [{"sys_class_name": "windows_credentials", "sys_id": "5a319704d13a52103a946777183c88bc"}]}'
            b"\n}}xx")


def _nul_yaml(folder: Path) -> bytes:
    return b"windows_credentials:\n  - sys_id: 5a319704d13a52103a946777183c88bc\n    name: a\x00b\n"


def _invalid_utf8_yaml(folder: Path) -> bytes:
    return b"windows_credentials:\n  - sys_id: 5a319704d13a52103a946777183c88bc\n    name: caf\xe9\n"


def _utf16_json(folder: Path) -> bytes:
    return '{"result": []}'.encode("utf-16")


CASES = [
    Case("billion laughs", "lolz.xml", _billion_laughs, "SN002", _fixed(2, 1)),
    Case("quadratic blow-up", "quadratic.xml", _quadratic, "SN002", _fixed(2, 1)),
    Case("external entity (canary)", "xxe.xml", _external_entity, "SN002", _fixed(2, 1)),
    Case("parameter entity (canary)", "xxe_param.xml", _parameter_entity, "SN002", _fixed(2, 1)),
    Case("DOCTYPE SYSTEM (canary)", "xxe_system.xml", _doctype_system, "SN002", _fixed(2, 1)),
    Case("DOCTYPE in an escaped payload", "xxe_payload.xml", _doctype_in_payload, "SN002",
         _at("&lt;!DOCTYPE")),
    Case("200,000-deep nesting, bare", "deep.xml", _deep_bare, "SN002", _fixed(1, 500 * 3 + 1)),
    Case("200,000-deep nesting in an export", "deep_export.xml", _deep_export, "SN002",
         _fixed(1, len(DEEP_PREFIX) + 499 * 3 + 1)),
    Case("600-deep nesting in a payload", "deep_payload.xml", _deep_payload, "SN002", _at("<x>" * 100, 3 * 498)),
    Case("5 MB single-line export", "one_line.xml", _line_5mb_export, "CRD002",
         _at("Wint3r-Is-Coming")),
    Case("5 MB single line of text", "one_line_text.xml", _line_5mb_garbage, "SN001", _fixed(1, 1)),
    Case("random binary bytes", "random.xml", _binary, "SN002"),
    Case("high bytes, no NUL", "high.xml", _high_bytes, "SN002", _first_undecodable),
    Case("gzip named .xml", "export.xml", _gzip, "SN002"),
    Case("empty file", "empty.xml", lambda folder: b"", "SN001", _fixed(1, 1)),
    Case("blank file", "blank.xml", lambda folder: b"  \n\n\t\n", "SN001", _fixed(1, 1)),
    Case("only a BOM", "bom.xml", _bom_only, "SN001", _fixed(1, 1)),
    Case("UTF-16 with BOM", "utf16.xml", _utf16, "SN002", _fixed(1, 1)),
    Case("UTF-16 without BOM", "utf16le.xml", _utf16_no_bom, "SN002", _fixed(1, 1)),
    Case("UTF-32", "utf32.xml", _utf32, "SN002", _fixed(1, 1)),
    Case("invalid UTF-8 in a payload", "latin1_payload.xml", _invalid_utf8, "SN002", _at("caf", 3)),
    Case("invalid UTF-8 in the outer document", "latin1.xml", _invalid_utf8_head, "SN002", _at("EXO ", 4)),
    Case("NUL byte", "nul.xml", _nul, "SN002", _at("EXO", 3)),
    Case("NUL byte after the first 8 KB", "nul_late.xml", _nul_late, "SN002", _at("exo\x00", 3)),
    Case("control character", "bell.xml", _control, "SN001", _at("exo\x07", 3)),
    Case("trailing garbage after the root", "trailing.xml", _trailing, "SN001", _at("garbage")),
    Case("a second root", "two_roots.xml", _two_roots, "SN001", _at('<unload unload_date="2024-09-04 08:15:03"')),
    Case("update set truncated mid-payload", "truncated.xml", _truncated, "SN001",
         lambda data: where(_text(data) + "\0", "\0")),
    Case("malformed CDATA payload", "bad_payload.xml", _malformed_payload(True), "SN001", _at("</ordr>", 2)),
    Case("malformed escaped payload", "bad_payload_escaped.xml", _malformed_payload(False), "SN001",
         _at("&lt;/ordr&gt;", 5)),
    Case("ISO-8859-1 declared and used", "latin1_declared.xml", _latin1_declared, "SN002", _at("S\ufffdsame", 1),
         note="exports are read as UTF-8 whatever they declare"),
    Case("unknown encoding declared", "unknown_encoding.xml", _unknown_encoding, "CRD002", _at("S\u00e9same"),
         note="an ASCII-compatible UTF-8 file is read whatever it declares"),
    Case("XML that is not an export", "pom.xml", _pom, None, note="skipped without a finding"),
    # Refused at the alias whose expansion crosses the limit (the first *e), counted without expanding anything.
    Case("YAML alias bomb", "bomb.yaml", _yaml_alias_bomb, "SN002", _fixed(6, 8)),
    Case("YAML alias in a credential export", "aliases.yaml", _yaml_alias_bomb_export, None,
         note="anchors and aliases are read (their expansion is counted first)"),
    Case("200,000-deep JSON", "deep.json", _deep_json, None,
         note="not an export from its first 64 KiB: never parsed, skipped"),
    Case("200,000-deep JSON in an export", "deep_export.json", _deep_json_export, "SN002"),
    Case("200,000-deep YAML flow", "deep.yaml", _deep_yaml, "SN002"),
    Case("trailing garbage after JSON", "trailing.json", _trailing_json, "SN001", _fixed(2, 1)),
    Case("NUL byte in YAML", "nul.yaml", _nul_yaml, "SN002", _fixed(3, 12)),
    Case("invalid UTF-8 in YAML", "latin1.yaml", _invalid_utf8_yaml, "SN002", _fixed(3, 14)),
    Case("UTF-16 JSON", "utf16.json", _utf16_json, "SN002", _fixed(1, 1)),
]


@pytest.mark.parametrize("case", CASES, ids=[case.filename for case in CASES])
def test_hostile_file(tmp_path: Path, case: Case) -> None:
    data = case.build(tmp_path)
    path = tmp_path / case.filename
    path.write_bytes(data)
    outcome = lint(path)
    clean(outcome)
    findings = outcome.findings()
    first = findings[0] if findings else None
    print(f"HOSTILE {case.name!r}: {first[0] + ' at ' + str(first[2]) + ':' + str(first[3]) if first else 'no finding'}"
          f", exit {outcome.returncode}, {outcome.seconds:.2f} s, peak {outcome.peak_mib:.0f} MiB"
          + (f" ({case.note})" if case.note else ""))
    if case.rule is None:
        assert outcome.returncode == 0
        assert findings == []
        return
    assert outcome.returncode == 1, outcome.stdout
    assert first is not None and first[0] == case.rule, findings
    assert first[1] == case.filename
    if case.at is not None:
        assert (first[2], first[3]) == case.at(data)
    lines = len(_BREAK.split(_text(data)))
    assert 1 <= first[2] <= lines


@pytest.mark.parametrize("name", ["xxe.xml", "xxe_param.xml", "xxe_system.xml", "xxe_payload.xml"])
@pytest.mark.parametrize("fmt", FORMATS)
def test_external_entity_canary_never_appears(tmp_path: Path, name: str, fmt: str) -> None:
    build = {case.filename: case.build for case in CASES}[name]
    path = tmp_path / name
    path.write_bytes(build(tmp_path))
    outcome = lint(path, fmt)
    clean(outcome)
    assert outcome.returncode == 1
    assert "SN002" in outcome.stdout
    assert CANARY not in outcome.stdout + outcome.stderr
    debug = lint(path, fmt, "--debug")
    assert CANARY not in debug.stdout + debug.stderr


# -- a broken file does not stop its neighbours ---------------------------------------------------------------------
def test_truncated_file_does_not_stop_a_good_file(tmp_path: Path) -> None:
    good = FIXTURES / "exo001_entity_escaped" / "exo_mailbox_credential.xml"
    (tmp_path / "a_good.xml").write_bytes(good.read_bytes())
    (tmp_path / "b_truncated.xml").write_bytes(_truncated(tmp_path))
    (tmp_path / "c_binary.xml").write_bytes(_binary(tmp_path))
    (tmp_path / "d_doctype.xml").write_bytes(_billion_laughs(tmp_path))
    outcome = run_capped("--no-context", "--format", "json", ".", cwd=tmp_path)
    clean(outcome)
    assert outcome.returncode == 1
    found = outcome.findings()
    assert ("EXO001", "a_good.xml", 196, 115) in found
    rules = {path: rule for rule, path, _, _ in found if rule.startswith("SN")}
    assert rules == {"b_truncated.xml": "SN001", "c_binary.xml": "SN002", "d_doctype.xml": "SN002"}
    assert outcome.report()["summary"]["files"] == 4


# -- file-system oddities ------------------------------------------------------------------------------------------
def test_directory_symlink_loop(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    (repo / "sub").mkdir(parents=True)
    (repo / "sub" / "export.xml").write_bytes((FIXTURES / "exo001_entity_escaped" / "exo_mailbox_credential.xml")
                                              .read_bytes())
    (repo / "sub" / "up").symlink_to("..", target_is_directory=True)
    (repo / "self").symlink_to(".", target_is_directory=True)
    (repo / "a.xml").symlink_to("b.xml")
    (repo / "b.xml").symlink_to("a.xml")
    outcome = run_capped("--no-context", "--format", "json", "repo", cwd=tmp_path)
    clean(outcome)
    assert outcome.findings() == [("EXO001", "repo/sub/export.xml", 196, 115)]
    assert outcome.report()["summary"]["files"] == 1


def test_file_symlink_loop_named_explicitly(tmp_path: Path) -> None:
    (tmp_path / "a.xml").symlink_to("b.xml")
    (tmp_path / "b.xml").symlink_to("a.xml")
    outcome = lint(tmp_path / "a.xml")
    clean(outcome)
    assert outcome.returncode == 1
    assert outcome.findings() == [("SN001", "a.xml", 1, 1)]
    assert "cannot read" in outcome.report()["findings"][0]["message"]


def test_symlink_out_of_a_walked_folder_is_not_followed(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    secret = outside / "credentials.xml"
    secret.write_text(update_set(update(CREDENTIAL_UPDATE, credential(password="Hunter2-Canary"))), encoding="utf-8")
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "linked.xml").symlink_to(secret)
    walked = run_capped("--no-context", "--format", "json", "repo", cwd=tmp_path)
    clean(walked)
    assert walked.findings() == []
    assert walked.report()["summary"]["files"] == 0
    named = run_capped("--no-context", "--format", "json", "repo/linked.xml", cwd=tmp_path)
    clean(named)
    assert ("CRD002", "repo/linked.xml") in {(rule, path) for rule, path, _, _ in named.findings()}


def _drop_file_capabilities() -> None:
    """Remove root's permission to bypass file modes (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH) for the child."""
    import ctypes

    _cap_memory()
    libc = ctypes.CDLL(None, use_errno=True)
    for capability in (1, 2):
        if libc.prctl(24, capability, 0, 0, 0) != 0:  # PR_CAPBSET_DROP
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP) failed")


def _can_lose_root_file_access(folder: Path) -> bool:
    probe = folder / "probe"
    probe.write_text("x")
    probe.chmod(0)
    try:
        result = subprocess.run(["cat", str(probe)], preexec_fn=_drop_file_capabilities, capture_output=True,
                                timeout=30)
    except (OSError, subprocess.SubprocessError):
        return False
    finally:
        probe.chmod(stat.S_IRUSR | stat.S_IWUSR)
    return result.returncode != 0


def test_unreadable_file(tmp_path: Path) -> None:
    """A file nobody may read (mode 000) is SN001 for any user, root included: the outcome does not depend on who
    runs snlint (CI containers often run as root, which may read anything)."""
    path = tmp_path / "locked.xml"
    path.write_text(update_set(update(CREDENTIAL_UPDATE, credential(password="Hunter2-Canary"))), encoding="utf-8")
    path.chmod(0)
    try:
        for args in (("locked.xml",), (".",)):
            outcome = run_capped("--no-context", "--format", "json", *args, cwd=tmp_path)
            clean(outcome)
            assert outcome.returncode == 1
            assert outcome.findings() == [("SN001", "locked.xml", 1, 1)]
            assert "Permission denied" in outcome.report()["findings"][0]["message"]
    finally:
        path.chmod(stat.S_IRUSR | stat.S_IWUSR)


def test_file_the_user_may_not_open(tmp_path: Path) -> None:
    """The operating system refuses the open (PermissionError): SN001 with its reason. As root this needs the
    child to lose CAP_DAC_OVERRIDE / CAP_DAC_READ_SEARCH; a readable-by-owner-only file then cannot be opened."""
    path = tmp_path / "private.xml"
    path.write_text(update_set(), encoding="utf-8")
    preexec: Callable[[], None] = _cap_memory
    if os.geteuid() != 0:
        path.chmod(stat.S_IRGRP)  # readable by the group, not by us (the owner)
    else:
        path.chmod(stat.S_IRUSR | stat.S_IWUSR)
        os.chown(path, 4242, 4242)  # readable by its (other) owner only
        if not _can_lose_root_file_access(tmp_path):
            pytest.skip("running as root without CAP_SETPCAP: root cannot be kept from opening a file")
        preexec = _drop_file_capabilities
    try:
        outcome = run_capped("--no-context", "--format", "json", "private.xml", cwd=tmp_path, preexec=preexec)
        clean(outcome)
        assert outcome.returncode == 1
        assert outcome.findings() == [("SN001", "private.xml", 1, 1)]
        assert outcome.report()["findings"][0]["message"] == "cannot read file: Permission denied"
    finally:
        path.chmod(stat.S_IRUSR | stat.S_IWUSR)


@pytest.mark.parametrize("fmt", ["json", "text"])
def test_fifo_named_explicitly_does_not_hang(tmp_path: Path, fmt: str) -> None:
    os.mkfifo(tmp_path / "pipe.xml")
    outcome = run_capped("--no-context", "--format", fmt, "pipe.xml", cwd=tmp_path, timeout=30)
    clean(outcome)
    assert outcome.returncode == 1
    if fmt == "json":
        assert outcome.findings() == [("SN002", "pipe.xml", 1, 1)]
    else:
        assert outcome.stdout.startswith("pipe.xml:1:1: SN002 error: not a regular file")


def test_device_behind_a_symlink_named_explicitly(tmp_path: Path) -> None:
    """/dev/zero never ends: it must be refused without reading, through a symlink too."""
    if not os.path.exists("/dev/zero"):
        pytest.skip("no /dev/zero on this system")
    (tmp_path / "zero.xml").symlink_to("/dev/zero")
    outcome = run_capped("--no-context", "--format", "json", "zero.xml", cwd=tmp_path, timeout=30)
    clean(outcome)
    assert outcome.returncode == 1
    assert outcome.findings() == [("SN002", "zero.xml", 1, 1)]
    walked = run_capped("--no-context", "--format", "json", ".", cwd=tmp_path, timeout=30)
    clean(walked)
    assert walked.returncode == 0 and walked.report()["summary"]["files"] == 0


def test_fifo_in_a_walked_folder_is_skipped(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe.xml")
    outcome = run_capped("--no-context", "--format", "json", ".", cwd=tmp_path, timeout=30)
    clean(outcome)
    assert outcome.returncode == 0
    assert outcome.report()["summary"]["files"] == 0


def test_file_over_the_size_limit(tmp_path: Path) -> None:
    from linter.engine import run
    from linter.settings import Settings

    path = tmp_path / "big.xml"
    path.write_bytes((FIXTURES / "exo001_entity_escaped" / "exo_mailbox_credential.xml").read_bytes())
    result = run([str(path)], Settings(max_file_size=16 * 1024), use_context=False)
    assert [(f.rule, f.position.line, f.position.column) for f in result.findings] == [("SN002", 1, 1)]
    assert "over the 16 KiB limit (max-file-size)" in result.findings[0].message
    assert not result.internal_error
    assert {f.rule for f in run([str(path)], Settings(), use_context=False).findings} == {"EXO001"}


# -- internal errors ----------------------------------------------------------------------------------------------
BROKEN_READER = """
import sys
import linter.read.xml as xml
real = xml.read_xml
def broken(path, *args, **kwargs):
    if path.endswith("boom.xml"):
        raise KeyError("reader bug")
    return real(path, *args, **kwargs)
xml.read_xml = broken
from linter.cli import main
sys.exit(main(sys.argv[1:]))
"""


def test_reader_crash_is_an_internal_error_finding(tmp_path: Path) -> None:
    (tmp_path / "boom.xml").write_text(update_set(), encoding="utf-8")
    (tmp_path / "good.xml").write_bytes((FIXTURES / "exo001_entity_escaped" / "exo_mailbox_credential.xml")
                                        .read_bytes())
    quiet = run_capped("--no-context", "--format", "json", ".", cwd=tmp_path, code=BROKEN_READER)
    assert quiet.returncode == 2
    assert "Traceback" not in quiet.stderr
    found = quiet.findings()
    assert ("SN000", "boom.xml", 1, 1) in found
    assert ("EXO001", "good.xml", 196, 115) in found
    message = next(f["message"] for f in quiet.report()["findings"] if f["rule"] == "SN000")
    assert "bug" in message and "--debug" in message
    loud = run_capped("--no-context", "--format", "json", "--debug", ".", cwd=tmp_path, code=BROKEN_READER)
    assert loud.returncode == 2
    assert "Traceback" in loud.stderr and "reader bug" in loud.stderr


BROKEN_CHECK = """
import sys
import linter.checks as checks
real = checks.registry
def registry():
    kinds = dict(real())
    def broken(rule, context):
        raise ZeroDivisionError("check bug")
    kinds["field"] = kinds["field"]._replace(check=broken)
    return kinds
checks.registry = registry
from linter.cli import main
sys.exit(main(sys.argv[1:]))
"""


def test_check_crash_is_an_internal_error_finding(tmp_path: Path) -> None:
    (tmp_path / "good.xml").write_bytes((FIXTURES / "exo001_entity_escaped" / "exo_mailbox_credential.xml")
                                        .read_bytes())
    outcome = run_capped("--no-context", "--format", "json", ".", cwd=tmp_path, code=BROKEN_CHECK)
    assert outcome.returncode == 2
    assert "Traceback" not in outcome.stderr
    rules = [rule for rule, _, _, _ in outcome.findings()]
    assert "SN000" in rules and "EXO001" in rules
