"""The pre-commit hooks, for real: `pre-commit try-repo` against this project from a temporary git repository
where only a credential export is staged and the aliases, connection and OAuth credential live in unchanged files.

The hook repository is a committed snapshot of this project's working tree (try-repo would otherwise take the last
commit and leave out new files). try-repo installs the hook's environment into a temporary store of its own on every
run (about 5 s with pip's cache warm); PRE_COMMIT_HOME points into the session's temporary folder so that nothing
touches the user's pre-commit cache. These tests skip only when git is missing or the package index cannot be
reached.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from importlib.metadata import entry_points
from pathlib import Path
from urllib.parse import urlparse

import pytest
from conftest import ROOT

PROJECT_FILES = ("pyproject.toml", "README.md", "LICENSE", ".pre-commit-hooks.yaml", "linter", "rules")

APP = "5e8f0a7c1b2d4e6f8a9b0c1d2e3f4a5b"
MAIN_ALIAS = "b150925a052543108a39d5d8072fcf32"
MID_ALIAS = "1ff4d76b843b43108a39d5d8072fcfc2"
CONNECTION = "d54cff83d0f652103a946777183c88b1"
OAUTH = "352d45d3178d52103a946777183c887b"
MAILBOX = "e1327893e1b852103a946777183c8880"
EXPORT = "instance-exports/windows_credentials.xml"
OAUTH_FILE = f"{APP}/update/oauth_2_0_credentials_{OAUTH}.xml"


def test_manifest_declares_both_hooks() -> None:
    from pre_commit.clientlib import load_manifest  # type: ignore[import-untyped,unused-ignore]

    hooks = {hook["id"]: hook for hook in load_manifest(str(ROOT / ".pre-commit-hooks.yaml"))}  # validates it
    assert set(hooks) == {"snlint", "snlint-all"}
    changed, everything = hooks["snlint"], hooks["snlint-all"]
    assert (changed["entry"], changed["language"]) == ("snlint", "python")
    assert set(changed["types_or"]) == {"xml", "yaml", "json"}
    assert changed["require_serial"] is True and changed["pass_filenames"] is True
    assert changed["minimum_pre_commit_version"] == "3.0.0"
    assert (everything["entry"], everything["language"]) == ("snlint", "python")
    assert everything["pass_filenames"] is False and everything["always_run"] is True
    scripts = {point.name: point.value for point in entry_points(group="console_scripts")}
    assert scripts.get("snlint") == "linter.__main__:main"


# --- a source-control repository of an Exchange Online setup --------------------------------------------------


def update(table: str, sys_id: str, fields: list[str]) -> str:
    """A source-control record file (`record_update`), one field a line."""
    body = "".join(f"        {line}\n" for line in fields)
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><record_update table="{table}">\n'
        f'    <{table} action="INSERT_OR_UPDATE">\n{body}'
        f"        <sys_id>{sys_id}</sys_id>\n"
        f"        <sys_update_name>{table}_{sys_id}</sys_update_name>\n"
        f"    </{table}>\n</record_update>\n"
    )


def credential_export(user: str, order: int = 100) -> str:
    """An XML list export of windows_credentials: the Mailbox credential of the MID alias (user name on line 9)."""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<unload unload_date="2024-03-11 16:05:27">\n'
        '<windows_credentials action="INSERT_OR_UPDATE">\n'
        "<active>true</active>\n"
        "<name>Exchange Online Mailbox</name>\n"
        f"<order>{order}</order>\n"
        f"<sys_id>{MAILBOX}</sys_id>\n"
        f"<tag>{MID_ALIAS}</tag>\n"
        f"<user_name>{user}</user_name>\n"
        "</windows_credentials>\n"
        "</unload>\n"
    )


def write_layout(root: Path) -> None:
    (root / "sn_source_control.properties").write_text(f"#Mon Mar 11 08:54:17 PDT 2024\npath={APP}\n")
    updates = root / APP / "update"
    updates.mkdir(parents=True)
    (root / APP / f"sys_app_{APP}.xml").write_text(
        update("sys_app", APP, ["<name>Mailbox Provisioning</name>", "<scope>x_cntso_mbx_prov</scope>"])
    )
    (updates / f"sys_alias_{MAIN_ALIAS}.xml").write_text(update("sys_alias", MAIN_ALIAS, [
        "<connection_type>http_connection</connection_type>",
        "<id>sn_ex_online_spke.Microsoft_Exchange_Online</id>",
        "<name>Microsoft_Exchange_Online</name>",
        "<parent/>",
        "<type>connection</type>",
    ]))
    (updates / f"sys_alias_{MID_ALIAS}.xml").write_text(update("sys_alias", MID_ALIAS, [
        "<connection_type>http_connection</connection_type>",
        "<id>sn_ex_online_spke.Microsoft_Exchange_Online_MID</id>",
        "<name>Microsoft Exchange Online MID</name>",
        "<parent/>",
        "<type>connection</type>",
    ]))
    (updates / f"http_connection_{CONNECTION}.xml").write_text(update("http_connection", CONNECTION, [
        "<active>true</active>",
        f'<connection_alias display_value="Microsoft Exchange Online MID">{MID_ALIAS}</connection_alias>',
        "<connection_url>https://127.0.0.1</connection_url>",
        f'<credential display_value="Exchange_Online_Credentials">{OAUTH}</credential>',
        "<name>Microsoft Exchange Online MID</name>",
        "<use_mid>true</use_mid>",
    ]))
    (root / OAUTH_FILE).write_text(update("oauth_2_0_credentials", OAUTH, [
        "<active>true</active>",
        "<name>Exchange_Online_Credentials</name>",
        "<oauth_entity_profile/>",
        "<u_authorized_as>exo.service@contoso.com</u_authorized_as>",  # line 6, value at column 26
    ]))
    (root / "instance-exports").mkdir()
    (root / EXPORT).write_text(credential_export("exo.service@contoso.com"))


# --- running git and pre-commit in isolation --------------------------------------------------------------------


def index_reachable() -> bool:
    """Whether pip can reach its package index (pre-commit installs the hook's environment with pip)."""
    index = os.environ.get("PIP_INDEX_URL", "https://pypi.org/simple")
    parsed = urlparse(index)
    if parsed.scheme == "file":
        return Path(parsed.path).is_dir()
    try:
        with socket.create_connection((parsed.hostname or "pypi.org", parsed.port or 443), timeout=5):
            return True
    except OSError:
        return False


@pytest.fixture(scope="session")
def environment(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Variables for git and pre-commit: no user or system git configuration, a session-wide PRE_COMMIT_HOME."""
    if shutil.which("git") is None:
        pytest.skip("git is not installed: pre-commit needs it")
    if not index_reachable():
        pytest.skip("no network: pre-commit cannot install the hook's environment without the package index")
    folder = tmp_path_factory.mktemp("pre-commit")
    (folder / "gitconfig").write_text("[init]\n\tdefaultBranch = main\n[commit]\n\tgpgsign = false\n")
    env = {name: value for name, value in os.environ.items() if not name.startswith(("GIT_", "PRE_COMMIT"))}
    env.update(
        PRE_COMMIT_HOME=str(folder / "home"),
        GIT_CONFIG_GLOBAL=str(folder / "gitconfig"),
        GIT_CONFIG_NOSYSTEM="1",
        GIT_AUTHOR_NAME="snlint tests",
        GIT_AUTHOR_EMAIL="tests@snlint.invalid",
        GIT_COMMITTER_NAME="snlint tests",
        GIT_COMMITTER_EMAIL="tests@snlint.invalid",
        NO_COLOR="1",
    )
    return env


def git(cwd: Path, env: dict[str, str], *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=60,
                          check=False)
    assert done.returncode == 0, f"git {' '.join(args)}: {done.stderr}"
    return done.stdout


@pytest.fixture(scope="session")
def hook_repo(tmp_path_factory: pytest.TempPathFactory, environment: dict[str, str]) -> Path:
    """This project's working tree as a committed git repository for `pre-commit try-repo`."""
    snapshot = tmp_path_factory.mktemp("snlint-hook-repo")
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for name in PROJECT_FILES:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, snapshot / name, ignore=ignore)
        elif source.is_file():
            shutil.copy2(source, snapshot / name)
    git(snapshot, environment, "init", "-q")
    git(snapshot, environment, "add", "-A")
    git(snapshot, environment, "commit", "-q", "-m", "snlint snapshot")
    return snapshot


@pytest.fixture
def repository(tmp_path: Path, environment: dict[str, str]) -> Path:
    """A committed source-control layout with a matching Mailbox credential export."""
    write_layout(tmp_path)
    git(tmp_path, environment, "init", "-q")
    git(tmp_path, environment, "add", "-A")
    git(tmp_path, environment, "commit", "-q", "-m", "Exchange Online spoke setup")
    return tmp_path


def try_repo(repository: Path, hook_repo: Path, environment: dict[str, str], hook: str) -> tuple[int, str]:
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "pre_commit", "try-repo", str(hook_repo), hook, "--color", "never"],
        cwd=repository, env=environment, capture_output=True, text=True, timeout=600, check=False,
    )
    print(f"pre-commit try-repo {hook}: {time.monotonic() - started:.1f}s")
    return done.returncode, done.stdout + done.stderr


def stage(repository: Path, environment: dict[str, str], text: str) -> None:
    (repository / EXPORT).write_text(text)
    git(repository, environment, "add", EXPORT)
    assert git(repository, environment, "diff", "--cached", "--name-only").split() == [EXPORT]


def test_hook_fails_at_the_changed_line(repository: Path, hook_repo: Path, environment: dict[str, str]) -> None:
    stage(repository, environment, credential_export("mailbox.admin@contoso.com"))
    assert (repository / EXPORT).read_text().splitlines()[8].index("mailbox.admin") == 12 - 1  # line 9, column 12
    code, output = try_repo(repository, hook_repo, environment, "snlint")
    assert code == 1, output
    assert "snlint (ServiceNow exports)" in output and "Failed" in output
    assert f"{EXPORT}:9:12: EXO001 error: Mailbox credential 'Exchange Online Mailbox' ({MAILBOX})" in output
    assert "user 'mailbox.admin@contoso.com' is not the Microsoft account 'exo.service@contoso.com'" in output
    assert f"note: {OAUTH_FILE}:6:26: OAuth 2.0 credential 'Exchange_Online_Credentials' ({OAUTH})" in output
    assert "Found 1 error(s), 0 warning(s) in 1 file(s)." in output  # only the staged file was linted


def test_clean_change_passes(repository: Path, hook_repo: Path, environment: dict[str, str]) -> None:
    stage(repository, environment, credential_export("EXO.Service@Contoso.com", order=200))  # same account
    code, output = try_repo(repository, hook_repo, environment, "snlint")
    assert code == 0, output
    assert "snlint (ServiceNow exports)" in output and "Passed" in output


def test_all_hook_lints_the_whole_repository(
    repository: Path, hook_repo: Path, environment: dict[str, str]
) -> None:
    (repository / EXPORT).write_text(credential_export("mailbox.admin@contoso.com"))
    git(repository, environment, "commit", "-q", "-am", "wrong Mailbox user")  # nothing staged now
    code, output = try_repo(repository, hook_repo, environment, "snlint-all")
    assert code == 1, output
    assert f"{EXPORT}:9:12: EXO001 error:" in output
    assert "Found 1 error(s), 0 warning(s) in 6 file(s)." in output
