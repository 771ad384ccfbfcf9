"""The context cache: any text round-trips (the cache is ASCII JSON, every other code point escaped, even a lone
surrogate from a JSON export's escapes), and a file's stamp holds its change time and inode, so a same-size
rewrite whose modification time is set back (touch -r) is read again."""

from __future__ import annotations

import json
import os
import shutil
import textwrap
from pathlib import Path
from typing import Any

import pytest
from conftest import MAILBOX, git, mailbox_credential, write

from linter import cache, engine, gitfiles
from linter.cli import main
from linter.context import context_inputs, read_context
from linter.discover import PathFilter
from linter.engine import read_all, read_options
from linter.read.base import ReadOptions, ReadResult
from linter.settings import Settings

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


@pytest.fixture(autouse=True)
def fresh(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    gitfiles.listing.cache_clear()
    monkeypatch.setenv("SNLINT_CACHE_DIR", str(tmp_path / "cache"))


def findings(capsys: pytest.CaptureFixture[str], *arguments: str) -> list[dict[str, Any]]:
    main(["--format", "json", *arguments])
    found: list[dict[str, Any]] = json.loads(capsys.readouterr().out)["findings"]
    return found


def test_any_text_round_trips_through_the_cache(tmp_path: Path) -> None:
    value = {"text": "u\ud800@x \udcff \U0001f600 \u00e9t\u00e9 \x00", "n\udc80me": [1, None, True]}
    cache.store("texts.json", value, "key \ud800")
    data = (tmp_path / "cache" / "texts.json").read_bytes()
    assert data.isascii()
    assert cache.load("texts.json", "key \ud800") == value
    circular: list[object] = []
    circular.append(circular)
    cache.store("circular.json", circular)  # a value JSON cannot hold: not stored, no error
    assert not (tmp_path / "cache" / "circular.json").exists()
    (tmp_path / "cache" / "old.json").write_bytes(b'{"key":"","value":"\xc3\xa9t\xc3\xa9"}')  # not as store() writes
    assert cache.load("old.json") is None


def test_a_context_export_holding_a_lone_surrogate_is_cached(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A JSON export may escape any code point, a lone surrogate too: the named run caches it, and the next run
    reads it from the cache; both report what a run without the cache reports."""
    root = tmp_path / "repo"
    write(root, "named.xml", mailbox_credential("svc@contoso.com"))
    record = {"name": "Exchange Online Mailbox", "sys_class_name": "windows_credentials", "sys_id": MAILBOX,
              "sys_updated_on": "2024-08-19 09:10:26", "user_name": "u\ud800@x"}
    write(root, "ctx.json", json.dumps({"result": [record]}) + "\n")
    assert "\\ud800" in (root / "ctx.json").read_text()
    git(root, "init", "-q")
    monkeypatch.chdir(root)
    expected = findings(capsys, "--no-cache", "named.xml")
    assert [(item["rule"], item["path"], item["line"], item["column"], item["related"][0]["path"],
             item["related"][0]["line"], item["related"][0]["column"]) for item in expected] == [
        ("CRD005", "named.xml", 6, 9, "ctx.json", 1, 100)]
    assert not (tmp_path / "cache").exists()
    assert findings(capsys, "named.xml") == expected  # the cache written
    stored = next((tmp_path / "cache").glob("context-*.json")).read_bytes()
    assert stored.isascii() and b"u\\ud800@x" in stored
    read: list[str] = []

    def spy(items: Any, *arguments: Any) -> list[ReadResult]:
        read.extend(item.path for item in items)
        return read_all(items, *arguments)

    monkeypatch.setattr(engine, "read_all", spy)
    assert findings(capsys, "named.xml") == expected
    assert read == ["named.xml"]  # ctx.json's record from the cache


class Spy:
    """A reader that records which context files it was given."""

    def __init__(self) -> None:
        self.read: list[str] = []

    def __call__(self, items: Any, options: ReadOptions) -> list[ReadResult]:
        self.read.extend(item.path for item in items)
        return read_all(items, options, 1)


def users(spy: Spy) -> list[str]:
    gitfiles.listing.cache_clear()
    records = read_context(context_inputs(Settings(), [], PathFilter()), {}, read_options(), spy)
    return [record.fields["user_name"].text for record in records]


def test_a_same_size_rewrite_with_its_modification_time_set_back_is_read_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "repo"
    path = write(root, "b.xml", mailbox_credential("one@contoso.com"))
    git(root, "init", "-q")
    monkeypatch.chdir(root)
    assert users(Spy()) == ["one@contoso.com"]
    spy = Spy()
    assert users(spy) == ["one@contoso.com"] and spy.read == []  # from the cache
    before = path.stat()
    path.write_text(textwrap.dedent(mailbox_credential("two@contoso.com")).lstrip("\n"), encoding="utf-8")
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))  # touch -r: the same size and modification time
    after = path.stat()
    assert (after.st_size, after.st_mtime_ns) == (before.st_size, before.st_mtime_ns)
    spy = Spy()
    assert users(spy) == ["two@contoso.com"] and spy.read == ["b.xml"]
    # replaced by a rename (as editors and git write files), the modification time set back again
    replacement = write(root, "b.xml.new", mailbox_credential("six@contoso.com"))
    os.utime(replacement, ns=(before.st_atime_ns, before.st_mtime_ns))
    os.replace(replacement, path)
    spy = Spy()
    assert users(spy) == ["six@contoso.com"] and spy.read == ["b.xml"]
