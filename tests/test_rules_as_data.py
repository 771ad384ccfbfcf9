"""Rules as data (issue 13, items 1 and 2): rule ids live in rules/ only (components report problem kinds and
verdicts, rule files bind them), severities and the `tags` / `sensitive` rule fields reach every rule, SN rules
included, and a check kind is one module from which the registry, the tables read and the rule schema are built."""

from __future__ import annotations

import ast
import json
import re
import sys
import types
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import FIXTURES, ROOT, snlint, snlint_json

from linter import checks
from linter.checks import Context, Kind, inputs, registry, schema_branches, tables_read
from linter.engine import make_profile, run
from linter.model import Finding, Position, Severity
from linter.ruleset import SCHEMA, Rule, bind, bound_rule, builtin_rules, rule_schema
from linter.settings import Settings

RULE_ID = re.compile(r"\b[A-Z]{2,3}[0-9]{3}\b")
LOADER = ROOT / "linter" / "ruleset.py"


def string_literals(path: Path) -> Iterator[tuple[int, str]]:
    """Every string literal of a module (f-string parts included) that is not a docstring."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
            yield node.lineno, node.value


def test_no_rule_id_literal_in_linter_outside_the_loader() -> None:
    found = [
        f"{path.relative_to(ROOT)}:{line}: {text[:60]!r}"
        for path in sorted((ROOT / "linter").rglob("*.py"))
        if path != LOADER
        for line, text in string_literals(path)
        if RULE_ID.search(text)
    ]
    assert not found, found


def test_the_literal_scan_would_see_an_id(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text('"""SN001 in a docstring is documentation."""\nX = f"{1}:SN001"\nY = "KB2663456"\n')
    assert [text for _, text in string_literals(module) if RULE_ID.search(text)] == [":SN001"]


# -- problem kinds and verdicts, bound in rules/ -----------------------------------------------------------------
def test_every_problem_kind_is_bound_by_exactly_one_built_in_rule() -> None:
    rules = builtin_rules()
    for kind in inputs.PROBLEMS:
        binding = [rule.id for rule in rules.values() if kind in rule.check.get("problems", ())]
        assert len(binding) == 1, (kind, binding)
    outcomes = [rule.check["outcome"] for rule in rules.values() if rule.check["kind"] == "same_identity"]
    assert sorted(outcomes) == sorted(set(outcomes))


def test_a_custom_rule_cannot_bind_a_bound_problem_kind(tmp_path: Path) -> None:
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "ACME032.yaml").write_text(
        "id: ACME032\nname: broken-files\nseverity: info\nsummary: s\ndescription: d\n"
        "check:\n  kind: input\n  problems: [unparseable]\n",
        encoding="utf-8",
    )
    (tmp_path / ".snlint.yaml").write_text("rule-paths: [rules]\n", encoding="utf-8")
    result = snlint(".", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr == (
        "snlint: error: rules/ACME032.yaml: problem kind 'unparseable' is already reported by SN001\n"
    )


def test_bind_gives_the_binding_rule_its_id_severity_and_key() -> None:
    rules = builtin_rules()
    problem = Finding("unparseable", Severity.ERROR, "m", Position("a.xml", 3, 4), key="a.xml")
    quiet = {**rules, "SN001": rules["SN001"]._replace(severity=Severity.INFO)}
    [bound] = bind([problem], quiet)
    assert (bound.rule, bound.severity, bound.key) == ("SN001", Severity.INFO, "SN001:a.xml")
    checked = Finding("EXO001", Severity.ERROR, "m", Position("a.xml", 3, 4), key="EXO001:x")
    assert bind([checked, problem._replace(rule="no-such-kind")], rules) == [checked]
    assert bound_rule(rules, "missing-reason") is rules["SN005"]


def test_a_configured_severity_reaches_sn001(tmp_path: Path) -> None:
    (tmp_path / "broken.xml").write_text('<?xml version="1.0"?>\n<unload>\n<sys_alias>\n', encoding="utf-8")
    (tmp_path / ".snlint.yaml").write_text("severity:\n  SN001: info\n", encoding="utf-8")
    result = snlint("--no-context", ".", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "broken.xml:4:1: SN001 info: " in result.stdout, result.stdout


def severities_of(monkeypatch: pytest.MonkeyPatch, folder: Path, **changed: Severity) -> dict[str, str]:
    """A run whose built-in rule files give `changed` rules other severities."""
    rules = builtin_rules()
    patched = {rule_id: rule._replace(severity=changed.get(rule_id, rule.severity)) for rule_id, rule in rules.items()}
    monkeypatch.setattr("linter.engine.builtin_rules", lambda: patched)
    return {item.rule: item.severity.value for item in run([str(folder)], Settings(), use_context=False).findings}


def test_a_rule_file_severity_reaches_sn_rules(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / "broken.xml").write_text('<?xml version="1.0"?>\n<unload>\n<sys_alias>\n', encoding="utf-8")
    (tmp_path / "twice.yaml").write_text(
        "windows_credentials:\n  - sys_id: 6549d7301f9df44099c1c562eac534b9\n    name: a\n    count: [1]\n"
        "  # snlint: ignore[EXO001]\n",
        encoding="utf-8",
    )
    assert severities_of(monkeypatch, tmp_path) == {"SN001": "error", "SN003": "error", "SN004": "warning",
                                                    "SN005": "warning"}
    assert severities_of(
        monkeypatch, tmp_path, SN001=Severity.INFO, SN003=Severity.WARNING, SN004=Severity.ERROR, SN005=Severity.INFO
    ) == {"SN001": "info", "SN003": "warning", "SN004": "error", "SN005": "info"}


def test_an_internal_error_keeps_its_rule_when_not_selected(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(rule: Rule, context: Context) -> Iterator[Finding]:
        raise ZeroDivisionError("check bug")

    kinds = registry()
    patched = {**kinds, "same_identity": kinds["same_identity"]._replace(check=broken)}
    monkeypatch.setattr(checks, "registry", lambda: patched)
    result = run([str(FIXTURES / "exo001_entity_escaped")], Settings(select=("EXO001",)), use_context=False)
    assert [(item.rule, item.severity) for item in result.findings] == [("SN000", Severity.ERROR)]
    assert result.internal_error


# -- tags and sensitive are rule fields -------------------------------------------------------------------------
def test_built_in_tags_and_sensitivity_come_from_the_rule_files() -> None:
    rules = builtin_rules()
    assert rules["EXO001"].tags == ("exchange-online", "KB2663456")
    assert rules["CRD002"].tags == ("credentials", "security") and rules["CRD002"].sensitive
    assert rules["CRD006"].tags == ("credentials", "security") and rules["CRD006"].sensitive
    assert rules["SN001"].tags == ("snlint",) and not rules["SN001"].sensitive
    # One concept, one scope: the legacy-encryption warning covers exactly the fields and tables CRD002 does.
    assert {key: rules["CRD006"].check[key] for key in ("fields", "tables")} == {
        key: rules["CRD002"].check[key] for key in ("fields", "tables")
    }


CUSTOM = (
    "id: ACME030\nname: kiosk-pin-in-user-name\nseverity: error\nsummary: A kiosk PIN is in a user name.\n"
    "description: |\n  The kiosk PIN leaks.\n\n  How to fix: remove it.\n"
    "tags: [acme, pii]\nsensitive: true\n"
    "check:\n  kind: field\n  tables: [windows_credentials]\n  field: user_name\n  forbid: 'pin='\n"
)


def test_custom_tags_reach_sarif_and_a_sensitive_rule_hides_its_line(tmp_path: Path) -> None:
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "ACME030.yaml").write_text(CUSTOM, encoding="utf-8")
    (tmp_path / ".snlint.yaml").write_text("rule-paths: [rules]\n", encoding="utf-8")
    (tmp_path / "credentials.yaml").write_text(
        "windows_credentials:\n  - sys_id: 6a0e5c1d2b3f52103a946777183c88aa\n    name: Kiosk\n"
        "    user_name: kiosk pin=Canary-4417\n",
        encoding="utf-8",
    )
    text = snlint("--no-context", ".", cwd=tmp_path)
    assert "credentials.yaml:4:16: ACME030 error" in text.stdout
    assert "Canary-4417" not in text.stdout
    log = json.loads(snlint("--no-context", "--format", "sarif", ".", cwd=tmp_path).stdout)
    descriptors = {rule["id"]: rule for rule in log["runs"][0]["tool"]["driver"]["rules"]}
    assert descriptors["ACME030"]["properties"]["tags"] == ["acme", "pii"]


# -- a check kind is one module ----------------------------------------------------------------------------------
def test_the_rule_schema_is_generated_from_the_kinds() -> None:
    committed = (ROOT / "rules" / SCHEMA).read_text(encoding="utf-8")
    assert committed == rule_schema(), "run: python -m linter.ruleset"
    branches = json.loads(committed)["properties"]["check"]["oneOf"]
    assert [branch["properties"]["kind"]["const"] for branch in branches] == sorted(registry())
    assert all(branch["description"] for branch in branches)  # the kinds' docstrings


def test_every_built_in_rule_uses_a_declared_kind_and_no_pairing() -> None:
    kinds = registry()
    for rule in builtin_rules().values():
        assert rule.check["kind"] in kinds
        assert "pairing" not in rule.check


def test_a_pairing_parameter_is_refused_now_that_nothing_reads_it(tmp_path: Path) -> None:
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "ACME031.yaml").write_text(
        "id: ACME031\nname: again\nseverity: error\nsummary: s\ndescription: d\n"
        "check:\n  kind: same_identity\n  pairing: exchange-online\n  outcome: differs\n",
        encoding="utf-8",
    )
    (tmp_path / ".snlint.yaml").write_text("rule-paths: [rules]\n", encoding="utf-8")
    result = snlint(".", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr == (
        "snlint: error: rules/ACME031.yaml:8:3: invalid rule: 'check': unknown key 'pairing' (expected one of: kind, "
        "outcome)\n"
    )


def test_a_new_kind_is_one_module(monkeypatch: pytest.MonkeyPatch) -> None:
    """Registry, schema branch and tables read all come from the module's declaration."""

    def stale_tokens(rule: Rule, context: Context) -> Iterator[Finding]:
        """OAuth tokens older than `days` days."""
        return iter(())

    module = types.ModuleType("linter.checks.acme")
    module.KINDS = (  # type: ignore[attr-defined]
        Kind("stale_tokens", stale_tokens, {"days": {"type": "integer"}}, ("days",),
             tables=lambda check: ("oauth_credential",)),
    )
    monkeypatch.setitem(sys.modules, "linter.checks.acme", module)
    monkeypatch.setattr(checks, "MODULES", (*checks.MODULES, "acme"))
    assert registry()["stale_tokens"].check is stale_tokens
    assert {
        "description": "OAuth tokens older than `days` days.",
        "properties": {"kind": {"const": "stale_tokens"}, "days": {"type": "integer"}},
        "required": ["days"],
        "additionalProperties": False,
    } in schema_branches()
    rule = Rule("ACME040", "stale", Severity.WARNING, "s", "d", {"kind": "stale_tokens", "days": 90})
    profile = make_profile(Settings())
    assert tables_read([rule], profile) == frozenset(profile.tables()) | {"oauth_credential"}


def test_tables_read_asks_the_kinds() -> None:
    rules = builtin_rules()
    profile = make_profile(Settings())
    assert tables_read([rules["EXO001"]], profile) == frozenset(profile.tables())
    assert "oauth_entity" in tables_read([rules["CRD006"]], profile)
    assert "sys_auth_profile_basic" in tables_read([rules["CRD002"]], profile)


def test_configured_secret_fields_reach_both_secret_rules(tmp_path: Path) -> None:
    (tmp_path / ".snlint.yaml").write_text("secret-fields: [u_pin]\n", encoding="utf-8")
    (tmp_path / "credentials.yaml").write_text(
        "windows_credentials:\n  - sys_id: 6a0e5c1d2b3f52103a946777183c88aa\n    name: Kiosk\n"
        "    u_pin: jxziB5rTQf4=\n  - sys_id: 6a0e5c1d2b3f52103a946777183c88bb\n    name: Lobby\n"
        "    u_pin: lobby-4417\n",
        encoding="utf-8",
    )
    data = snlint_json("--no-context", ".", cwd=tmp_path)
    assert {(item["rule"], item["line"], item["column"]) for item in data["findings"]} == {
        ("CRD006", 4, 12),
        ("CRD002", 7, 12),
    }


def test_the_check_kind_page_example_works(monkeypatch: pytest.MonkeyPatch) -> None:
    """docs/check-kinds.md: its module registers, its rule file validates against the regenerated schema, and the
    check reports an over-long name at the name's position."""
    import jsonschema  # type: ignore[import-untyped,unused-ignore]
    from ruamel.yaml import YAML

    from linter.model import Record, Value
    from linter.resolve import resolve

    page = (ROOT / "docs" / "check-kinds.md").read_text(encoding="utf-8")
    code = page.split("```python\n", 1)[1].split("```", 1)[0]
    rule_text = page.split("```yaml\n", 1)[1].split("```", 1)[0]
    module = types.ModuleType("linter.checks.lengths")
    exec(compile(code, "docs/check-kinds.md", "exec"), module.__dict__)  # our own documentation, not input
    monkeypatch.setitem(sys.modules, "linter.checks.lengths", module)
    monkeypatch.setattr(checks, "MODULES", (*checks.MODULES, "lengths"))
    data = YAML(typ="safe").load(rule_text)
    jsonschema.Draft202012Validator(json.loads(rule_schema())).validate(data)
    rule = Rule.from_data(data, "ACME050.yaml")
    here = Position("creds.xml", 7, 7)
    records = [
        Record("windows_credentials", sys_id, {"sys_id": Value(sys_id, here), "name": Value(name, here)}, here)
        for sys_id, name in (("a" * 32, "Mailbox " + "x" * 100), ("b" * 32, "Mailbox"))
    ]
    found = list(registry()["field_length"].check(rule, Context(resolve(records), make_profile(Settings()))))
    assert [(item.rule, item.position, item.severity) for item in found] == [("ACME050", here, Severity.WARNING)]
    assert "field 'name' is 108 characters long, over 100" in found[0].message
    assert "windows_credentials" in tables_read([rule], make_profile(Settings()))
