"""Hostile shapes for the spoke and identities (issue 10 section 3): time linear in the input, output linear in
the input. Each test measures two sizes, 10x apart, in the same process and allows generous slack (a quadratic
cost would grow ~100x); each stays within a few seconds."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from conftest import cpu_seconds

from linter.engine import Run, run
from linter.identity import BARE, parse_user
from linter.report import Report, text
from linter.settings import Settings

MID = "sn_ex_online_spke.Microsoft_Exchange_Online_MID"
RATIO = 25  # linear grows ~10x; quadratic ~100x


def _timed(action: Callable[[], object]) -> float:
    """The best CPU time of three runs (a cold first run is noise, not growth; tests/conftest.py)."""
    return cpu_seconds(action, 3)


def _unload(path: Path, records: list[str]) -> Path:
    path.write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n<unload unload_date="2024-06-01 10:00:00">\n'
        + "\n".join(records)
        + "\n</unload>\n",
        encoding="utf-8",
    )
    return path


def _alias(sys_id: str, alias_id: str, parent: str = "") -> str:
    return (
        f'<sys_alias action="INSERT_OR_UPDATE"><id>{alias_id}</id><name>{alias_id}</name><parent>{parent}</parent>'
        f"<sys_id>{sys_id}</sys_id></sys_alias>"
    )


def _credential(table: str, sys_id: str, name: str, tag: str, **fields: str) -> str:
    extra = "".join(f"<{key}>{value}</{key}>" for key, value in fields.items())
    return (
        f'<{table} action="INSERT_OR_UPDATE"><active>true</active><name>{name}</name><sys_id>{sys_id}</sys_id>'
        f"<tag>{tag}</tag>{extra}</{table}>"
    )


def _lint(folder: Path) -> tuple[Run, str, float]:
    """The run, its text output, and the better time of two runs (the machine is shared: noise, not growth)."""
    best = float("inf")
    for _ in range(2):
        start = time.perf_counter()
        result = run([str(folder)], Settings(), use_context=False)
        output = text.render(Report(findings=result.findings, files=result.files))
        best = min(best, time.perf_counter() - start)
    return result, output, best


def test_a_user_name_made_of_dots_is_classified_in_linear_time() -> None:
    """`a@` + dots + `@` took 53 s at 100,000 dots with the backtracking UPN expression."""
    small, large = ("a@" + "." * size + "@" for size in (100_000, 1_000_000))
    assert parse_user(large).shape == BARE
    assert _timed(lambda: parse_user(large)) < RATIO * max(_timed(lambda: parse_user(small)), 1e-3)
    assert _timed(lambda: parse_user(large)) < 1.0


def test_a_deep_alias_chain_written_leaf_first_is_walked_once(tmp_path: Path) -> None:
    """Each alias's parent is the next one in the file: the old rescan took 38 s for 20,000 (about 9 s for 10,000)."""
    def chain(size: int) -> Path:
        folder = tmp_path / f"chain{size}"
        folder.mkdir()
        records = [_alias(f"a{i}", f"x_acme.Chained_{i}", f"a{i + 1}") for i in range(size)]
        records.append(_alias(f"a{size}", "sn_ex_online_spke.Microsoft_Exchange_Online"))
        _unload(folder / "aliases.xml", records)
        return folder

    small, large = chain(1_000), chain(10_000)
    result, _, small_time = _lint(small)
    assert result.context is not None and len(result.context.spoke.wirings) == 1_001
    result, _, large_time = _lint(large)
    assert result.context is not None and len(result.context.spoke.wirings) == 10_001
    assert large_time < RATIO * small_time


def test_missing_credentials_times_mailbox_credentials_stay_linear(tmp_path: Path) -> None:
    """One connection naming N missing credentials, N Mailbox credentials: each EXO004 names a few references and
    counts the rest (the old output repeated every reference in every finding: 569 MB for N = 2,000)."""
    def shape(size: int) -> Path:
        folder = tmp_path / f"missing{size}"
        folder.mkdir()
        missing = ",".join(f"{i:032x}" for i in range(size))
        records = [
            _alias("mid", MID),
            '<http_connection action="INSERT_OR_UPDATE"><active>true</active><connection_alias>mid</connection_alias>'
            f"<credential>{missing}</credential><name>MID connection</name><sys_id>conn</sys_id></http_connection>",
            *(_credential("windows_credentials", f"m{i}", f"Mailbox {i}", "mid", user_name=f"mbx{i}@contoso.com")
              for i in range(size)),
        ]
        _unload(folder / "setup.xml", records)
        return folder

    small_folder, large_folder = shape(200), shape(2_000)
    _, small_out, small_time = _lint(small_folder)
    large, large_out, large_time = _lint(large_folder)
    input_ratio = (large_folder / "setup.xml").stat().st_size / (small_folder / "setup.xml").stat().st_size
    exo004 = [item for item in large.findings if item.rule == "EXO004"]
    assert len(exo004) == 2_000 and len([item for item in large.findings if item.rule == "CRD001"]) == 2_000
    assert "points to 00000000000000000000000000000002, which is not in the inputs and 1997 more)" in (
        exo004[0].message
    )
    assert len(large_out) < 2 * input_ratio * len(small_out)
    assert len(large_out) < 3_000_000  # 569 MB before
    assert large_time < RATIO * small_time


def test_mailbox_times_oauth_credentials_are_grouped_per_mailbox(tmp_path: Path) -> None:
    """N Mailbox and N OAuth credentials of one alias, every account different: one EXO001 per Mailbox credential
    naming the first three OAuth credentials and counting the rest (360,000 findings and 1.1 GB for N = 600)."""
    def shape(size: int) -> Path:
        folder = tmp_path / f"pairs{size}"
        folder.mkdir()
        records = [
            _alias("mid", MID),
            *(_credential("oauth_2_0_credentials", f"o{i}", f"OAuth {i}", "mid", u_authorized_as=f"exo{i}@contoso.com")
              for i in range(size)),
            *(_credential("windows_credentials", f"m{i}", f"Mailbox {i}", "mid", user_name=f"mbx{i}@contoso.com")
              for i in range(size)),
        ]
        _unload(folder / "setup.xml", records)
        return folder

    _, small_out, small_time = _lint(shape(60))
    large, large_out, large_time = _lint(shape(600))
    assert [item.rule for item in large.findings] == ["EXO001"] * 600
    first = large.findings[0]
    assert "authorised any of OAuth 2.0 credentials 'OAuth 0' (o0) ('exo0@contoso.com'), 'OAuth 1' (o1)" in (
        first.message
    )
    assert "and 597 more;" in first.message and len(first.related) == 3
    assert len(large_out) < 15 * len(small_out)
    assert large_time < RATIO * small_time
    assert large.context is not None
    verdicts = [group for wiring in large.context.spoke.wirings for group in wiring.verdicts]
    assert len(verdicts) == 600 and {group.total for group in verdicts} == {600}


def test_same_local_part_is_still_graded_one_by_one(tmp_path: Path) -> None:
    """The shortcut only skips accounts whose local part differs: one under the user's local part is graded."""
    folder = tmp_path / "mixed"
    folder.mkdir()
    accounts = ["exo@fabrikam.com", "exo@contoso.onmicrosoft.com", "exo@contoso.com", "other@contoso.com"]
    _unload(folder / "setup.xml", [
        _alias("mid", MID),
        *(_credential("oauth_2_0_credentials", f"o{i}", f"OAuth {i}", "mid", u_authorized_as=account)
          for i, account in enumerate(accounts)),
        _credential("windows_credentials", "m0", "Mailbox", "mid", user_name="EXO@contoso.com"),
    ])
    result, _, _ = _lint(folder)
    assert result.context is not None
    (wiring,) = result.context.spoke.wirings
    assert [(group.cause, group.total, [pair.oauth.sys_id for pair in group.pairs if pair.oauth]) for group in
            wiring.verdicts] == [("differs", 2, ["o0", "o3"]), ("domains differ", 1, ["o1"]), ("same", 1, ["o2"])]
