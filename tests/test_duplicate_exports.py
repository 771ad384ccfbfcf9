"""The same update set committed twice (issue 11, section 8): a release copy under dist/ and a working copy under
update-sets/, byte-identical. Identical definitions of a record are one definition: no CRD005, no finding twice,
and every finding (and its notes) located in the first copy read: the first named (--no-context), else the first
in the repository's walk, so that a run on named files (pre-commit) reports where `snlint .` (CI) does.

The fixture (tests/fixtures/duplicate_update_sets) is one update set holding an EXO001 pair in an entity-escaped
payload, two plaintext secrets (CRD002) in CDATA and escaped payloads, and an older update of the Mailbox
credential (its history inside the update set, with another user name)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from conftest import FIXTURES, snlint_json

COPIES = FIXTURES / "duplicate_update_sets"
RELEASE = "dist/exchange_online_setup.xml"
WORKING = "update-sets/exchange_online_setup.xml"

Located = tuple[str, str, int, int, tuple[tuple[str, int, int], ...]]


def findings(*args: str, cwd: Path = COPIES) -> list[Located]:
    report = snlint_json("--isolated", *args, cwd=cwd)
    return [
        (f["rule"], f["path"], f["line"], f["column"],
         tuple((r["path"], r["line"], r["column"]) for r in f.get("related", [])))
        for f in report["findings"]
    ]


def expected(copy: str, oauth_copy: str = "") -> list[Located]:
    """The findings of one copy: EXO001 at the Mailbox user name (note: where the OAuth account was recorded),
    CRD002 at the two plaintext secrets."""
    return [
        ("EXO001", copy, 249, 119, ((oauth_copy or copy, 222, 839),)),
        ("CRD002", copy, 319, 350, ()),
        ("CRD002", copy, 343, 412, ()),
    ]


def test_the_copies_are_byte_identical() -> None:
    assert (COPIES / RELEASE).read_bytes() == (COPIES / WORKING).read_bytes()


def test_one_copy() -> None:
    assert findings("--no-context", WORKING) == expected(WORKING)


def test_both_copies_give_each_finding_once_in_the_first_copy_named() -> None:
    assert findings("--no-context", RELEASE, WORKING) == expected(RELEASE)
    assert findings("--no-context", WORKING, RELEASE) == expected(WORKING)


def test_a_walk_over_both_copies(tmp_path: Path) -> None:
    for folder in ("release", "working"):
        (tmp_path / folder).mkdir()
        shutil.copy(COPIES / WORKING, tmp_path / folder / "exchange_online_setup.xml")
    assert findings("--no-context", ".", cwd=tmp_path) == expected("release/exchange_online_setup.xml")


def test_pre_commit_names_the_working_copy_and_reads_the_release_copy_as_context(tmp_path: Path) -> None:
    repository = tmp_path / "repo"
    shutil.copytree(COPIES, repository)
    # a folder the walk reads today (dist/ is being changed from skipped to read by issue 11, section 2)
    (repository / "dist").rename(repository / "release")
    subprocess.run(["git", "init", "-q"], cwd=repository, check=True)
    release = expected("release/exchange_online_setup.xml")
    assert findings(WORKING, cwd=repository) == findings(".", cwd=repository) == release
    assert findings("--no-context", "release", cwd=repository) == release


def test_copies_that_differ_are_still_a_conflict(tmp_path: Path) -> None:
    """A working copy edited without a new sys_updated_on: CRD005 at the later copy's record, and the findings
    about the records both copies still share point into the first copy."""
    repository = tmp_path / "repo"
    shutil.copytree(COPIES, repository)
    working = repository / WORKING
    text = working.read_text(encoding="utf-8")
    old = "&lt;user_name&gt;mailbox.admin@contoso.com"
    assert text.count(old) == 1
    working.write_text(text.replace(old, old.replace("admin", "other")), encoding="utf-8")
    assert findings("--no-context", RELEASE, WORKING, cwd=repository) == [
        ("CRD002", RELEASE, 319, 350, ()),
        ("CRD002", RELEASE, 343, 412, ()),
        ("CRD005", WORKING, 248, 779, ((RELEASE, 248, 779),)),
        ("EXO001", WORKING, 249, 119, ((RELEASE, 222, 839),)),
    ]
