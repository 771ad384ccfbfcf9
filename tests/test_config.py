"""Configuration: discovery (.snlint.yaml, .snlint.yml, [tool.snlint]), every key, validation errors with the
configuration file's line, and the keys' effect on a real run (suppress, per-path-ignores, severity, fail-on,
exclude, identity, exchange-online aliases)."""

from __future__ import annotations

import importlib
import json
import re
import shutil
import sys
from pathlib import Path

import pytest
from conftest import EXAMPLES, FIXTURES, ROOT, located, snlint, snlint_json, write

from linter.config import ConfigError, find_config, load_settings
from linter.model import Position, Severity
from linter.settings import Settings, Suppression

TABLE_API = FIXTURES / "yaml_table_api_json"
EXPORT = "exports/discovery_credentials.json"
EXO002_AT = ("EXO002", EXPORT, 54, 20)
MAILBOX = "03e3f0011915746326430c50a89fa263"  # the Windows credential of the Table-API fixture
ALL_KEYS = (
    "context, exchange-online, exclude, fail-on, identity, ignore, jobs, max-depth, max-file-size, "
    "per-path-ignores, require-exports, respect-gitignore, rule-paths, secret-fields, select, severity, suppress, "
    "tables"
)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A copy of the Table-API scenario: one EXO002 warning at exports/discovery_credentials.json:54:20."""
    target = tmp_path / "repo"
    shutil.copytree(TABLE_API, target)
    (target / "expected.txt").unlink()
    return target


def with_upn(repo: Path, upn: str) -> None:
    """Record the OAuth account as a proven UPN instead of preferred_username."""
    export = repo / EXPORT
    text = export.read_text(encoding="utf-8")
    export.write_text(
        text.replace('"preferred_username": "exo.service@contoso.onmicrosoft.com"', f'"upn": "{upn}"'),
        encoding="utf-8",
    )


def error_of(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, text: str) -> str:
    monkeypatch.chdir(tmp_path)
    write(tmp_path, name, text)
    with pytest.raises(ConfigError) as raised:
        load_settings()
    return str(raised.value)


# -- every key ----------------------------------------------------------------------------------------------------
FULL_YAML = """
    select: [EXO, crd]
    ignore: [CRD005]
    per-path-ignores:
      "legacy/*.xml": [EXO003]
    severity:
      EXO002: error
    fail-on: warning
    exclude: [archive/, "*.bak.xml"]
    identity:
      oauth-fields: [u_authorized_as, u_exo_signed_in_as]
      equivalent-domains:
        - [contoso.onmicrosoft.com, "@contoso.com"]
    exchange-online:
      aliases:
        ids: [x_cntso_mbx_prov.Exchange_Online]
        names: [Exchange Online Shared Mailboxes]
        mailbox: [Shared_Mailboxes]
    suppress:
      - rule: EXO002
        record: 03e3f0011915746326430c50a89fa263
        reason: tenant domains verified by IAM (CHG0031337)
    rule-paths: [snlint-rules]
    secret-fields: [u_api_token]
    context: [instance-exports]
    max-file-size: 10MB
    max-depth: 64
    jobs: 2
"""

FULL_TOML = """
    [project]
    name = "contoso-servicenow"

    [tool.snlint]
    select = ["EXO", "crd"]
    ignore = ["CRD005"]
    severity = { EXO002 = "error" }
    fail-on = "warning"
    exclude = ["archive/", "*.bak.xml"]
    rule-paths = ["snlint-rules"]
    secret-fields = ["u_api_token"]
    context = ["instance-exports"]
    max-file-size = "10MB"
    max-depth = 64
    jobs = 2

    [tool.snlint.per-path-ignores]
    "legacy/*.xml" = ["EXO003"]

    [tool.snlint.identity]
    oauth-fields = ["u_authorized_as", "u_exo_signed_in_as"]
    equivalent-domains = [["contoso.onmicrosoft.com", "@contoso.com"]]

    [tool.snlint.exchange-online.aliases]
    ids = ["x_cntso_mbx_prov.Exchange_Online"]
    names = ["Exchange Online Shared Mailboxes"]
    mailbox = ["Shared_Mailboxes"]

    [[tool.snlint.suppress]]
    rule = "EXO002"
    record = "03e3f0011915746326430c50a89fa263"
    reason = "tenant domains verified by IAM (CHG0031337)"
"""


def expected_settings(config: str, suppress_line: int, root: str = ".") -> Settings:
    prefix = "" if root == "." else f"{root}/"
    return Settings(
        select=("EXO", "CRD"),
        ignore=("CRD005",),
        per_path_ignores={"legacy/*.xml": ("EXO003",)},
        severity={"EXO002": Severity.ERROR},
        fail_on=Severity.WARNING,
        exclude=("archive/", "*.bak.xml"),
        oauth_fields=("u_authorized_as", "u_exo_signed_in_as"),
        equivalent_domains=(("contoso.onmicrosoft.com", "contoso.com"),),
        alias_ids=("x_cntso_mbx_prov.Exchange_Online",),
        alias_names=("Exchange Online Shared Mailboxes",),
        mailbox_aliases=("Shared_Mailboxes",),
        suppress=(Suppression("EXO002", MAILBOX, "tenant domains verified by IAM (CHG0031337)",
                              Position(config, suppress_line, 1)),),
        rule_paths=(f"{prefix}snlint-rules",),
        secret_fields=("u_api_token",),
        context=(f"{prefix}instance-exports",),
        max_file_size=10 * 1024 * 1024,
        max_depth=64,
        jobs=2,
        config_path=config,
        root=root,
    )


def make_paths(folder: Path) -> None:
    (folder / "snlint-rules").mkdir()
    (folder / "instance-exports").mkdir()


def test_every_yaml_key_reaches_the_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    make_paths(tmp_path)
    write(tmp_path, ".snlint.yaml", FULL_YAML)
    monkeypatch.chdir(tmp_path)
    assert load_settings() == expected_settings(".snlint.yaml", 19)


def test_every_pyproject_key_reaches_the_same_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    make_paths(tmp_path)
    write(tmp_path, "pyproject.toml", FULL_TOML)
    monkeypatch.chdir(tmp_path)
    assert load_settings() == expected_settings("pyproject.toml", 29)


def test_paths_in_the_file_are_relative_to_its_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    make_paths(tmp_path)
    write(tmp_path, ".snlint.yaml", FULL_YAML)
    (tmp_path / "exports" / "2024").mkdir(parents=True)
    monkeypatch.chdir(tmp_path / "exports" / "2024")
    assert load_settings() == expected_settings("../../.snlint.yaml", 19, root="../..")


@pytest.mark.parametrize(
    ("value", "size"),
    [("2048", 2048), ("'512 KiB'", 512 * 1024), ("10MB", 10 * 1024**2), ("1.5G", 1536 * 1024**2), ("'64 b'", 64)],
)
def test_max_file_size_accepts_bytes_and_units(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, value: str, size: int
) -> None:
    write(tmp_path, ".snlint.yaml", f"max-file-size: {value}\n")
    monkeypatch.chdir(tmp_path)
    assert load_settings().max_file_size == size


# -- discovery ------------------------------------------------------------------------------------------------
def test_the_nearest_configuration_upward_wins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path, ".snlint.yaml", "fail-on: info\n")
    write(tmp_path, "team/pyproject.toml", "[project]\nname = 'x'\n")  # no [tool.snlint]: not a configuration
    write(tmp_path, "team/app/.snlint.yml", "fail-on: warning\n")
    (tmp_path / "team" / "app" / "exports").mkdir()
    monkeypatch.chdir(tmp_path / "team" / "app" / "exports")
    settings = load_settings()
    assert (settings.config_path, settings.fail_on, settings.root) == ("../.snlint.yml", Severity.WARNING, "..")
    monkeypatch.chdir(tmp_path / "team")
    assert (load_settings().config_path, load_settings().fail_on) == ("../.snlint.yaml", Severity.INFO)


def test_snlint_yaml_comes_before_pyproject_in_one_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path, "pyproject.toml", "[tool.snlint]\nfail-on = 'info'\n")
    monkeypatch.chdir(tmp_path)
    assert find_config() == "pyproject.toml"
    write(tmp_path, ".snlint.yml", "fail-on: warning\n")
    assert find_config() == ".snlint.yml"
    write(tmp_path, ".snlint.yaml", "fail-on: error\n")
    assert find_config() == ".snlint.yaml"


def test_no_configuration_means_the_defaults(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert load_settings() == Settings()
    write(tmp_path, ".snlint.yaml", "# nothing configured yet\n")
    assert load_settings() == Settings(config_path=".snlint.yaml")


def test_isolated_and_explicit_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path, ".snlint.yaml", "selct: [EXO]\n")
    write(tmp_path, "ci/snlint-ci.yaml", "fail-on: warning\n")
    monkeypatch.chdir(tmp_path)
    assert load_settings(isolated=True) == Settings()
    assert load_settings("ci/snlint-ci.yaml").fail_on == Severity.WARNING
    with pytest.raises(ConfigError, match=r"ci/missing\.yaml: configuration file not found"):
        load_settings("ci/missing.yaml")


def test_pyproject_on_python_310_uses_tomli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path, "pyproject.toml", "[tool.snlint]\nfail-on = 'warning'\n")
    monkeypatch.chdir(tmp_path)
    toml = importlib.import_module("tomllib" if sys.version_info >= (3, 11) else "tomli")  # tomli: tomllib's origin
    monkeypatch.setattr(sys, "version_info", (3, 10, 14, "final", 0))
    monkeypatch.setitem(sys.modules, "tomli", toml)
    assert load_settings().fail_on == Severity.WARNING
    monkeypatch.setitem(sys.modules, "tomli", None)  # not installed
    with pytest.raises(ConfigError, match=r"needs Python 3\.11 or newer, or the 'tomli' package"):
        load_settings()


# -- errors with the configuration file's line ---------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("# snlint\nselct: [EXO]\n", f".snlint.yaml:2:1: unknown key 'selct' (expected one of: {ALL_KEYS})"),
        ("identity:\n  oauth-feilds: [u_authorized_as]\n",
         ".snlint.yaml:2:3: 'identity': unknown key 'oauth-feilds' (expected one of: equivalent-domains, "
         "oauth-fields)"),
        ("severity:\n  EXO002: critical\n",
         ".snlint.yaml:2:11: 'severity.EXO002': expected a severity: error, warning or info, got 'critical'"),
        ("severity:\n  EXO009: error\n",
         ".snlint.yaml:2:3: 'severity.EXO009': unknown rule 'EXO009' (see 'snlint rules')"),
        ("select: [EXO, CRD01]\n", ".snlint.yaml:1:15: 'select[1]': unknown rule 'CRD01' (see 'snlint rules')"),
        ("select: EXO\n", ".snlint.yaml:1:9: 'select': expected a list of rule ids or prefixes, got text"),
        ("fail-on: warnings\n",
         ".snlint.yaml:1:10: 'fail-on': expected a severity: error, warning or info, got 'warnings'"),
        ("identity:\n  equivalent-domains: [[contoso.onmicrosoft.com, contoso com]]\n",
         ".snlint.yaml:2:50: 'identity.equivalent-domains[0][1]': expected a domain name (e.g. contoso.com), "
         "got 'contoso com'"),
        ("suppress:\n  - rule: EXO002\n    record: 03e3f0011915746326430c50a89fa263\n",
         ".snlint.yaml:2:5: 'suppress[0]': 'reason' is required: a reason that says why the finding is acceptable "
         "(not empty)"),
        ("suppress:\n  - {rule: EXO002, record: Exchange Online Mailbox, reason: '  '}\n",
         ".snlint.yaml:2:61: 'suppress[0].reason': expected a reason that says why the finding is acceptable "
         "(not empty), got '  '"),
        ("max-file-size: 10 megabytes\n", ".snlint.yaml:1:16: 'max-file-size': expected a size: a number of bytes, "
         "or text such as 10MB, 512KB or 1GB (1 MB = 1024 KB), got '10 megabytes'"),
        ("jobs: -1\n", ".snlint.yaml:1:7: 'jobs': expected a whole number, 0 or more (reader processes; 0: decide "
         "from the number of files), got -1"),
        ("rule-paths: [team-rules]\n", ".snlint.yaml:1:14: 'rule-paths[0]': 'team-rules' does not exist (paths are "
         "relative to the configuration file's folder)"),
        ("select: [EXO\n", ".snlint.yaml:2:1: invalid YAML: expected ',' or ']', but got '<stream end>'"),
        ("- select\n", ".snlint.yaml:1:1: the configuration must be a mapping of keys (see docs/configuration.md)"),
        ("select: &rules [EXO]\nignore: *rules\n", ".snlint.yaml:1:9: invalid YAML: YAML anchors and aliases are "
         "refused (an alias can expand into an enormous document)"),
    ],
)
def test_a_bad_key_or_value_names_the_file_line_and_column(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str, expected: str
) -> None:
    assert error_of(tmp_path, monkeypatch, ".snlint.yaml", text) == expected


def test_all_problems_are_reported_at_once_in_line_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    message = error_of(tmp_path, monkeypatch, ".snlint.yaml", "jobs: many\nselct: [EXO]\nfail-on: never\n")
    assert [line.split(": ", 1)[0] for line in message.split("\n")] == [
        ".snlint.yaml:1:7", ".snlint.yaml:2:1", ".snlint.yaml:3:10"
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[project]\nname = 'x'\n\n[tool.snlint]\nselect = ['EXO']\nselct = ['CRD']\n",
         f"pyproject.toml:6:1: unknown key 'selct' (expected one of: {ALL_KEYS})"),
        ("[tool.snlint]\nfail-on = 'error'\n\n[tool.snlint.identity]\n  oauth-feilds = ['u_authorized_as']\n",
         "pyproject.toml:5:3: 'identity': unknown key 'oauth-feilds' (expected one of: equivalent-domains, "
         "oauth-fields)"),
        ("[tool.snlint]\n\n[[tool.snlint.suppress]]\nrule = 'EXO002'\nrecord = 'x'\nreason = 'ok'\n\n"
         "[[tool.snlint.suppress]]\nrule = 'EXO001'\nrecord = 'y'\n",
         "pyproject.toml:8:1: 'suppress[1]': 'reason' is required: a reason that says why the finding is "
         "acceptable (not empty)"),
        ("[tool.snlint]\nselect = ['EXO'\n", "pyproject.toml:3:1: invalid TOML: Unclosed array"),
    ],
)
def test_pyproject_errors_name_the_line_of_the_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str, expected: str
) -> None:
    assert error_of(tmp_path, monkeypatch, "pyproject.toml", text) == expected


# -- the real command ---------------------------------------------------------------------------------------------
def test_a_typo_in_the_configuration_exits_2_with_the_files_line(repo: Path) -> None:
    write(repo, ".snlint.yaml", """
        # Contoso ServiceNow lint settings
        identity:
          equivalent-domains:
            - [contoso.onmicrosoft.com, contoso.com]
        selct: [EXO]
    """)
    (repo / "exports" / "old").mkdir()
    for cwd, shown in ((repo, ".snlint.yaml"), (repo / "exports" / "old", "../../.snlint.yaml")):
        result = snlint(".", cwd=cwd)
        assert result.returncode == 2
        assert result.stdout == ""
        assert result.stderr.startswith(f"snlint: error: {shown}:5:1: unknown key 'selct' (expected one of: ")
        assert "Traceback" not in result.stderr


def test_a_typo_in_pyproject_exits_2_with_its_line(repo: Path) -> None:
    write(repo, "pyproject.toml", """
        [project]
        name = "contoso-servicenow"

        [tool.snlint]
        fail-on = "warning"
        exlude = ["archive/"]
    """)
    result = snlint(".", cwd=repo)
    assert result.returncode == 2
    assert result.stderr.startswith("snlint: error: pyproject.toml:6:1: unknown key 'exlude'")


def test_isolated_ignores_a_broken_configuration_and_config_names_one(repo: Path) -> None:
    write(repo, ".snlint.yaml", "selct: [EXO]\n")
    assert located(snlint_json("--isolated", ".", cwd=repo)) == {EXO002_AT}
    write(repo, "ci/strict.yaml", "severity: {EXO002: error}\n")
    result = snlint("--config", "ci/strict.yaml", "--format", "json", ".", cwd=repo)
    assert result.returncode == 1
    assert [item["severity"] for item in json.loads(result.stdout)["findings"]] == ["error"]


@pytest.mark.parametrize("record", [MAILBOX, "Exchange Online Mailbox", "Exchange_Online_Credentials"])
def test_a_suppression_with_a_reason_hides_the_finding_by_sys_id_or_name(repo: Path, record: str) -> None:
    write(repo, ".snlint.yaml", f"""
        suppress:
          - rule: EXO002
            record: {record}
            reason: contoso.onmicrosoft.com and contoso.com are one tenant (IAM, CHG0031337)
    """)
    assert snlint_json(".", cwd=repo)["findings"] == []


def test_an_unused_suppression_is_reported_at_its_entry(repo: Path) -> None:
    write(repo, ".snlint.yaml", f"""
        # accepted findings
        suppress:
          - rule: EXO002
            record: {MAILBOX}
            reason: one tenant (CHG0031337)
          - rule: EXO001
            record: {MAILBOX}
            reason: pilot account, removed after the cut-over
    """)
    report = snlint_json(".", cwd=repo)
    assert located(report) == {("SN004", ".snlint.yaml", 6, 1)}
    assert "suppression of EXO001 for record '03e3f0011915746326430c50a89fa263'" in report["findings"][0]["message"]


def test_a_suppression_without_a_reason_is_a_configuration_error(repo: Path) -> None:
    write(repo, ".snlint.yaml", f"suppress:\n  - rule: EXO002\n    record: {MAILBOX}\n    reason: ''\n")
    result = snlint(".", cwd=repo)
    assert result.returncode == 2
    assert "snlint: error: .snlint.yaml:4:13: 'suppress[0].reason': expected a reason" in result.stderr


def test_per_path_ignores(repo: Path) -> None:
    write(repo, ".snlint.yaml", "per-path-ignores:\n  'exports/*.json': [EXO002]\n")
    assert snlint_json(".", cwd=repo)["findings"] == []
    write(repo, ".snlint.yaml", "per-path-ignores:\n  'exports/*.json': [CRD]\n")
    assert located(snlint_json(".", cwd=repo)) == {EXO002_AT}


def test_severity_override_and_fail_on_decide_the_exit_code(repo: Path) -> None:
    assert snlint(".", cwd=repo).returncode == 0  # a warning does not fail by default
    write(repo, ".snlint.yaml", "fail-on: warning\n")
    assert snlint(".", cwd=repo).returncode == 1
    assert snlint("--fail-on", "error", ".", cwd=repo).returncode == 0  # the command line wins
    write(repo, ".snlint.yaml", "severity:\n  EXO002: error\n")
    result = snlint("--format", "json", ".", cwd=repo)
    assert result.returncode == 1
    assert [(item["rule"], item["severity"]) for item in json.loads(result.stdout)["findings"]] == [("EXO002", "error")]
    write(repo, ".snlint.yaml", "severity:\n  EXO002: info\nfail-on: warning\n")
    assert snlint(".", cwd=repo).returncode == 0


def test_select_and_ignore_from_the_file_and_the_command_line(repo: Path) -> None:
    write(repo, ".snlint.yaml", "select: [CRD]\n")
    assert snlint_json(".", cwd=repo)["findings"] == []
    assert located(snlint_json("--select", "EXO", ".", cwd=repo)) == {EXO002_AT}
    write(repo, ".snlint.yaml", "ignore: [EXO002]\n")
    assert snlint_json(".", cwd=repo)["findings"] == []


def test_exclude_is_honoured_for_files_named_explicitly(repo: Path) -> None:
    write(repo, ".snlint.yaml", "exclude: ['exports/']\ncontext: [.]\n")
    report = snlint_json(EXPORT, cwd=repo)
    assert report["findings"] == [] and report["summary"]["files"] == 0
    write(repo, ".snlint.yaml", "context: [.]\n")
    report = snlint_json(EXPORT, cwd=repo)
    assert located(report) == {EXO002_AT} and report["summary"]["files"] == 1


def test_equivalent_domains_turn_exo002_into_a_pass_or_into_exo001(repo: Path) -> None:
    with_upn(repo, "exo.service@contoso.onmicrosoft.com")
    assert located(snlint_json("--isolated", ".", cwd=repo)) == {EXO002_AT}
    write(repo, ".snlint.yaml", "identity:\n  equivalent-domains:\n    - [contoso.onmicrosoft.com, contoso.com]\n")
    assert snlint_json(".", cwd=repo)["findings"] == []
    # contoso.onmicrosoft.com is declared to be another tenant (the test tenant) than contoso.com
    write(repo, ".snlint.yaml", """
        identity:
          equivalent-domains:
            - [contosoprod.onmicrosoft.com, contoso.com]
            - [contoso.onmicrosoft.com, test.contoso.com]
    """)
    report = snlint_json(".", cwd=repo)
    assert located(report) == {("EXO001", EXPORT, 54, 20)}


def test_preferred_username_alone_stays_exo002_even_with_equivalent_domains(repo: Path) -> None:
    write(repo, ".snlint.yaml", "identity:\n  equivalent-domains:\n    - [contoso.onmicrosoft.com, contoso.com]\n")
    assert located(snlint_json(".", cwd=repo)) == {EXO002_AT}


def test_oauth_fields_name_the_column_that_records_the_account(repo: Path) -> None:
    export = repo / EXPORT
    text = export.read_text(encoding="utf-8")
    start = text.index('      "authorized_as"')
    end = text.index("      },", start) + len("      },\n")
    export.write_text(text[:start] + '      "u_exo_signed_in_as": "exo.service@contoso.com",\n' + text[end:],
                      encoding="utf-8")
    report = snlint_json("--isolated", ".", cwd=repo)
    assert [item["rule"] for item in report["findings"]] == ["EXO004"]  # u_authorized_as is not there
    write(repo, ".snlint.yaml", "identity:\n  oauth-fields: [u_exo_signed_in_as]\n")
    assert snlint_json(".", cwd=repo)["findings"] == []


def test_exchange_online_aliases_mark_a_teams_own_alias(tmp_path: Path) -> None:
    shutil.copytree(EXAMPLES / "source-control", tmp_path / "repo")
    shutil.copy(EXAMPLES / "credentials.yaml", tmp_path / "repo" / "credentials.yaml")
    assert snlint_json("--isolated", ".", cwd=tmp_path / "repo")["findings"] == []  # the child alias is unknown
    write(tmp_path / "repo", ".snlint.yaml", """
        exchange-online:
          aliases:
            ids: [x_cntso_mbx_prov.Exchange_Online]
    """)
    report = snlint_json(".", cwd=tmp_path / "repo")
    # now its wiring is checked: the OAuth credential's profile is not among the inputs
    assert ("CRD001", "credentials.yaml", 12, 14) in located(report)


# -- the documentation's examples -----------------------------------------------------------------------------------
def _blocks(document: str, language: str) -> list[str]:
    text = (ROOT / "docs" / document).read_text(encoding="utf-8")
    return re.findall(rf"```{language}\n(.*?)```", text, re.S)


def test_the_documented_yaml_and_toml_examples_are_valid_and_equal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    yaml_example = _blocks("configuration.md", "yaml")[0]
    [toml_example] = _blocks("configuration.md", "toml")
    for folder in ("snlint-rules", "instance-exports", "update-sets"):
        (tmp_path / "yaml" / folder).mkdir(parents=True)
        (tmp_path / "toml" / folder).mkdir(parents=True)
    write(tmp_path / "yaml", ".snlint.yaml", yaml_example)
    write(tmp_path / "toml", "pyproject.toml", toml_example)
    monkeypatch.chdir(tmp_path / "yaml")
    from_yaml = load_settings()
    monkeypatch.chdir(tmp_path / "toml")
    from_toml = load_settings()
    assert from_yaml.equivalent_domains == (("contoso.onmicrosoft.com", "contoso.com"),)
    assert [entry.source for entry in from_yaml.suppress] == [Position(".snlint.yaml", 22, 1)]
    assert [entry.source for entry in from_toml.suppress] == [Position("pyproject.toml", 26, 1)]
    comparable = {"config_path": "", "suppress": ()}
    assert from_yaml._replace(**comparable) == from_toml._replace(**comparable)


def test_the_documented_custom_rule_is_a_valid_rule_file(tmp_path: Path) -> None:
    from linter.ruleset import load_rule_file

    rule_example = next(block for block in _blocks("configuration.md", "yaml") if block.startswith("id: ACME001"))
    rule = load_rule_file(write(tmp_path, "ACME001.yaml", rule_example))
    assert (rule.id, rule.check["kind"], rule.check["field"]) == ("ACME001", "field", "user_name")
