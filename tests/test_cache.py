"""The on-disk cache (linter/cache.py, the context records in linter/context.py): JSON validated on load, never
pickle; no secret value in it; 0700 / 0600, O_EXCL | O_NOFOLLOW temporaries, symlinks refused; --no-cache reads and
writes nothing; bounded (deleted files pruned, a size cap)."""

from __future__ import annotations

import json
import os
import pickle
import shutil
import stat
from pathlib import Path
from typing import Any

import pytest
from conftest import git, write

from linter import cache
from linter.cli import main

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")

MAILBOX = "5cd9dd8c720952103a946777183c8872"  # the named file's record
CANARIES = ("CanaryListXml-1", "CanaryApiToken-2", "CanaryCdata-3", "CanaryEscaped", "CanaryYaml-5", "CanaryJson-6")

NAMED = f"""
    <?xml version="1.0" encoding="UTF-8"?>
    <unload unload_date="2024-08-19 09:10:26">
    <windows_credentials action="INSERT_OR_UPDATE">
    <active>true</active>
    <name>Exchange Online Mailbox</name>
    <sys_class_name>windows_credentials</sys_class_name>
    <sys_id>{MAILBOX}</sys_id>
    <sys_updated_on>2024-08-19 09:10:26</sys_updated_on>
    <user_name>svc.exo@contoso.com</user_name>
    </windows_credentials>
    </unload>
"""

LIST_EXPORT = """
    <?xml version="1.0" encoding="UTF-8"?>
    <unload unload_date="2024-08-19 09:10:26">
    <windows_credentials action="INSERT_OR_UPDATE">
    <active>true</active>
    <name>Discovery - File servers</name>
    <password>CanaryListXml-1</password>
    <sys_class_name>windows_credentials</sys_class_name>
    <sys_id>33cdef00e09752103a946777183c88bc</sys_id>
    <sys_updated_on>2023-11-14 08:40:19</sys_updated_on>
    <u_api_token>CanaryApiToken-2</u_api_token>
    <user_name>CONTOSO\\svc-files</user_name>
    </windows_credentials>
    </unload>
"""


def update_set(payload: str) -> str:
    return f"""
        <?xml version="1.0" encoding="UTF-8"?><unload unload_date="2024-10-01 08:00:13">
        <sys_update_xml action="INSERT_OR_UPDATE">
        <action>INSERT_OR_UPDATE</action>
        <name>oauth_entity_1c5e9a3f7b2d52103a946777183c8846</name>
        <payload>{payload}</payload>
        <sys_id>1c5e9a3f7b2d52103a946777a1b2c3d4</sys_id>
        <sys_updated_on>2024-10-01 07:48:40</sys_updated_on>
        <target_name>oauth_entity</target_name>
        </sys_update_xml>
        </unload>
    """


CDATA = update_set(
    '<![CDATA[<?xml version="1.0" encoding="UTF-8"?><record_update table="oauth_entity">'
    '<oauth_entity action="INSERT_OR_UPDATE"><client_id>a8e9e52c-64d7-4fa3-bda4-4d8a48097b43</client_id>'
    "<client_secret>CanaryCdata-3</client_secret><name>Microsoft Exchange Online</name>"
    "<sys_class_name>oauth_entity</sys_class_name><sys_id>1c5e9a3f7b2d52103a946777183c8846</sys_id>"
    "</oauth_entity></record_update>]]>"
)
ESCAPED = update_set(
    '&lt;?xml version="1.0" encoding="UTF-8"?&gt;&lt;record_update table="windows_credentials"&gt;'
    '&lt;windows_credentials action="INSERT_OR_UPDATE"&gt;&lt;name&gt;Print servers&lt;/name&gt;'
    "&lt;password&gt;CanaryEscaped&amp;amp;&amp;lt;4&amp;gt;!&lt;/password&gt;"
    "&lt;sys_class_name&gt;windows_credentials&lt;/sys_class_name&gt;"
    "&lt;sys_id&gt;6a8d2f4c1e9b52103a946777183c88d7&lt;/sys_id&gt;"
    "&lt;user_name&gt;CONTOSO\\svc-print&lt;/user_name&gt;&lt;/windows_credentials&gt;&lt;/record_update&gt;"
)
YAML = """
    windows_credentials:
      - sys_id: 8eb2e1938ab452103a946777183c88b2
        name: Exchange Mailbox (legacy on-premises)
        user_name: CONTOSO\\svc-exchange
        password: CanaryYaml-5
"""
JSON = json.dumps({"result": [{
    "sys_class_name": "windows_credentials", "sys_id": "9f3b2c1d0e5a52103a946777183c88a1",
    "name": "Backup servers", "user_name": "svc-backup@contoso.com", "password": "CanaryJson-6",
}]}, indent=2)
CONTEXT_IDS = ("33cdef00e09752103a946777183c88bc", "1c5e9a3f7b2d52103a946777183c8846",
               "6a8d2f4c1e9b52103a946777183c88d7", "8eb2e1938ab452103a946777183c88b2",
               "9f3b2c1d0e5a52103a946777183c88a1")


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A git repository holding every container shape, each with a canary secret, and the named file."""
    root = tmp_path / "repo"
    write(root, ".snlint.yaml", "secret-fields: [u_api_token]\n")
    write(root, "list-exports/windows_credentials.xml", LIST_EXPORT)
    write(root, "update-sets/cdata.xml", CDATA)
    write(root, "update-sets/escaped.xml", ESCAPED)
    write(root, "exports/credentials.yaml", YAML)
    write(root, "exports/windows_credentials.json", JSON)
    write(root, "named/mailbox.xml", NAMED)
    git(root, "init", "-q")
    git(root, "add", ".")
    monkeypatch.chdir(root)
    monkeypatch.setenv("SNLINT_CACHE_DIR", str(tmp_path / "cache"))
    return root


def lint(capsys: pytest.CaptureFixture[str], *arguments: str) -> tuple[int, dict[str, Any]]:
    code = main(["--format", "json", *arguments])
    return code, json.loads(capsys.readouterr().out)


def cache_files(folder: Path) -> list[Path]:
    return sorted(path for path in folder.iterdir()) if folder.is_dir() else []


def test_no_secret_value_reaches_the_cache(repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sources = b"".join(path.read_bytes() for path in repo.rglob("*") if path.is_file() and ".git" not in path.parts)
    assert all(canary.encode() in sources for canary in CANARIES)  # the inputs do hold them
    code, report = lint(capsys, "named/mailbox.xml")
    assert code == 0, report
    files = cache_files(tmp_path / "cache")
    assert [path.name.split("-")[0] for path in files] == ["config", "context"]
    stored = b"".join(path.read_bytes() for path in files)
    for sys_id in CONTEXT_IDS:  # every container's record is cached ...
        assert sys_id.encode() in stored
    for canary in CANARIES:  # ... but no secret value
        assert canary.encode() not in stored
    held = json.loads((tmp_path / "cache" / files[1].name).read_text())["value"]["records"]
    forms = {name: field[3] for _, records in held for record in records
             for name, field in record[6].items() if field[3]}
    assert forms == {"password": "plaintext", "u_api_token": "plaintext", "client_secret": "plaintext"}


def test_the_cache_is_json_never_pickle_and_a_planted_pickle_does_not_run(
    repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first = lint(capsys, "named/mailbox.xml")
    marker = tmp_path / "pwned"

    class Exploit:
        def __reduce__(self) -> tuple[Any, tuple[str]]:
            return (os.system, (f"touch {marker}",))

    for path in cache_files(tmp_path / "cache"):
        json.loads(path.read_text(encoding="utf-8"))  # JSON, readable as such
        path.write_bytes(pickle.dumps(Exploit()))
    assert lint(capsys, "named/mailbox.xml") == first
    assert not marker.exists()
    for path in cache_files(tmp_path / "cache"):
        json.loads(path.read_text(encoding="utf-8"))  # rewritten as valid JSON


@pytest.mark.parametrize(
    "planted",
    [
        b"{not json",
        b"[" * 200_000,
        b'{"format": 2, "paths": "list-exports/windows_credentials.xml", "sizes": [1], "mtimes": [2], '
        b'"records": [[0, "records"]]}',
        b'{"format": 2, "paths": "", "sizes": [1], "mtimes": [], "records": {}}',
        b"\xff\xfe garbage",
        b"null",
    ],
    ids=["broken", "deep", "wrong-types", "wrong-shape", "binary", "null"],
)
def test_an_invalid_cache_file_is_a_miss(
    repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], planted: bytes
) -> None:
    # the context redefines the named record: a CRD005 that only a read context gives
    write(repo, "exports/credentials.yaml", YAML + f"""
      - sys_id: {MAILBOX}
        name: Exchange Online Mailbox
        sys_updated_on: '2024-08-19 09:10:26'
        user_name: someone.else@contoso.com
    """)
    first = lint(capsys, "named/mailbox.xml")
    assert [finding["rule"] for finding in first[1]["findings"]] == ["CRD005"]
    for path in cache_files(tmp_path / "cache"):
        path.write_bytes(planted)
    assert lint(capsys, "named/mailbox.xml") == first


def test_a_forged_entry_cannot_smuggle_a_secret_value(repo: Path, tmp_path: Path) -> None:
    """An entry that gives a secret field a value is invalid: the whole file is a miss."""
    from linter.context import _decode

    good = [["windows_credentials", "x", [1, 1, 0, 0], False, "", 0, {"password": ["", [2, 3, 0, 0], None, "empty"]}]]
    assert _decode("f.xml", good)[0].fields["password"].position.line == 2
    forged = [["windows_credentials", "x", [1, 1, 0, 0], False, "", 0, {"password": ["s3cret", [2, 3, 0, 0], None,
                                                                                     "plaintext"]}]]
    with pytest.raises(ValueError):
        _decode("f.xml", forged)


def test_folder_0700_and_files_0600_and_an_open_folder_is_tightened(
    repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lint(capsys, "named/mailbox.xml")
    folder = tmp_path / "cache"
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert {stat.S_IMODE(path.stat().st_mode) for path in cache_files(folder)} == {0o600}
    folder.chmod(0o755)  # as an older snlint made it
    cache.store("extra.json", {"a": 1})
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700


def test_a_symlinked_cache_folder_is_refused(repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "elsewhere"
    target.mkdir()
    (tmp_path / "linked").symlink_to(target)
    monkeypatch.setenv("SNLINT_CACHE_DIR", str(tmp_path / "linked"))
    code, report = lint(capsys, "named/mailbox.xml")
    assert code == 0 and report["summary"]["files"] == 1
    assert list(target.iterdir()) == []
    cache.store("x.json", {"a": 1})
    assert list(target.iterdir()) == []


def test_a_symlinked_cache_file_is_neither_read_nor_written_through(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "cache"
    monkeypatch.setenv("SNLINT_CACHE_DIR", str(folder))
    cache.store("real.json", {"a": 1})
    assert cache.load("real.json") == {"a": 1}
    outside = tmp_path / "outside.json"
    outside.write_text('{"planted": true}')
    (folder / "link.json").symlink_to(outside)
    assert cache.load("link.json") is None
    cache.store("link.json", {"b": 2})
    assert outside.read_text() == '{"planted": true}'  # the link was replaced, not written through
    assert not (folder / "link.json").is_symlink() and cache.load("link.json") == {"b": 2}


def test_the_temporary_is_created_exclusively(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A planted file or symlink at the temporary's name makes the store fail; nothing is written through it."""
    folder = tmp_path / "cache"
    monkeypatch.setenv("SNLINT_CACHE_DIR", str(folder))
    cache.store("first.json", {})
    monkeypatch.setattr(os, "urandom", lambda count: b"\0" * count)
    victim = tmp_path / "victim"
    victim.write_text("untouched")
    (folder / f".x.json.{os.getpid()}.000000000000.tmp").symlink_to(victim)
    cache.store("x.json", {"secret": "no"})
    assert victim.read_text() == "untouched"
    assert cache.load("x.json") is None


def test_no_cache_reads_and_writes_no_cache_at_all(repo: Path, tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    code, report = lint(capsys, "--no-cache", "named/mailbox.xml")
    assert code == 0 and report["summary"]["files"] == 1
    assert not (tmp_path / "cache").exists()  # not even the configuration's cache
    first = lint(capsys, "named/mailbox.xml")
    for path in cache_files(tmp_path / "cache"):  # a cache that would change the result if it were read
        path.write_text(json.dumps({"format": 1, "entries": {}}))
    write(repo, ".snlint.yaml", "secret-fields: [u_api_token]\nfail-on: info\n")
    assert lint(capsys, "--no-cache", "named/mailbox.xml") == first
    assert {path.read_text() for path in cache_files(tmp_path / "cache")} == {'{"format": 1, "entries": {}}'}


def test_entries_of_deleted_files_are_dropped(repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    lint(capsys, "named/mailbox.xml")
    lint(capsys, "exports/credentials.yaml")  # the named file of the first run is cached as context now

    def entries() -> set[str]:
        (context,) = [path for path in cache_files(tmp_path / "cache") if path.name.startswith("context-")]
        return set(json.loads(context.read_text())["value"]["paths"].split("\0"))

    assert {"named/mailbox.xml", "exports/credentials.yaml", "update-sets/cdata.xml"} <= entries()
    (repo / "update-sets" / "cdata.xml").unlink()
    (repo / "named" / "mailbox.xml").unlink()  # named in no run now, and gone
    lint(capsys, "exports/credentials.yaml")
    assert "update-sets/cdata.xml" not in entries() and "named/mailbox.xml" not in entries()
    assert "list-exports/windows_credentials.xml" in entries()


def test_the_cache_is_capped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "cache"
    monkeypatch.setenv("SNLINT_CACHE_DIR", str(folder))
    monkeypatch.setattr(cache, "MAX_FILE_BYTES", 1000)
    monkeypatch.setattr(cache, "MAX_TOTAL_BYTES", 2500)
    folder.mkdir(mode=0o700)
    (folder / "context-0123456789abcdef01234567.pickle").write_bytes(b"left by snlint 0.1")
    cache.store("huge.json", "x" * 2000)
    assert cache.load("huge.json") is None  # over the file cap: not stored
    for index in range(5):
        cache.store(f"f{index}.json", "y" * 900)
        os.utime(folder / f"f{index}.json", ns=(index * 10**9, index * 10**9))
    assert sorted(path.name for path in folder.iterdir()) == ["f3.json", "f4.json"]  # the oldest went
    (folder / "f4.json").write_text('"' + "z" * 1200 + '"')
    assert cache.load("f4.json") is None  # a file over the cap is not read


def test_reading_the_context_cache_is_linear(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import gc
    import time

    from linter.context import _decode, _encode, _load, _packed, _store
    from linter.discover import Files
    from linter.model import Position, Record, Value

    monkeypatch.setenv("SNLINT_CACHE_DIR", str(tmp_path / "cache"))

    def document(count: int) -> tuple[str, bytes, dict[int, Any]]:
        paths = [f"exports/{index}.xml" for index in range(count)]
        records = {index: _encode(path, [Record("windows_credentials", f"{index:032x}", {
            "user_name": Value("svc@contoso.com", Position(path, 3, 12)),
        }, Position(path, 2, 1))]) for index, path in enumerate(paths)}
        files = Files()
        files.sizes, files.mtimes, files.ctimes, files.inodes = [100] * count, [5] * count, [6] * count, [7] * count
        return "\0".join(paths), _packed(files), records

    def measure(count: int) -> float:
        name = f"context-{count}.json"
        _store(name, "key", *document(count))
        best = float("inf")
        gc.disable()
        try:
            for _ in range(3):
                started = time.process_time()
                loaded = _load(name, "key")
                assert loaded is not None
                paths = loaded[0].split("\0")
                assert len(paths) == count
                assert sum(len(_decode(paths[index], data)) for index, data in loaded[2].items()) == count
                best = min(best, time.process_time() - started)
        finally:
            gc.enable()
        return best

    small, large = measure(2_000), measure(20_000)
    assert large / small < 25, (small, large)


def test_a_cached_configuration_is_the_configuration(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every key survives the JSON round trip; a cached configuration is not read again (nor with --no-cache
    written or read)."""
    from linter import config

    write(tmp_path, ".snlint.yaml", """
        select: [EXO, CRD]
        ignore: [CRD005]
        per-path-ignores: {"legacy/*.xml": [EXO003]}
        severity: {EXO002: error}
        fail-on: warning
        exclude: [archive/]
        respect-gitignore: false
        identity: {oauth-fields: [u_authorized_as], equivalent-domains: [[contoso.onmicrosoft.com, contoso.com]]}
        exchange-online: {aliases: {ids: [x_cntso.], names: [Shared], mailbox: [Shared_MID]}}
        suppress: [{rule: EXO003, record: 8eb2e1938ab452103a946777183c88b2, reason: hybrid servers go in Q4}]
        secret-fields: [u_api_token]
        context: [instance-exports]
        tables: {"exports/aliases/*.json": sys_alias, "http_connection-*.json": http_connection}
        max-file-size: 10MB
        max-depth: 64
        jobs: 2
    """)
    (tmp_path / "instance-exports").mkdir()
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SNLINT_CACHE_DIR", str(tmp_path / "cache"))
    fresh = config.load_settings()
    assert fresh.tables == (("exports/aliases/*.json", "sys_alias"), ("http_connection-*.json", "http_connection"))

    def unread(path: str) -> None:
        raise AssertionError("read again")

    monkeypatch.setattr(config, "_read", unread)
    assert config.load_settings() == fresh
    with pytest.raises(AssertionError, match="read again"):
        config.load_settings(use_cache=False)
