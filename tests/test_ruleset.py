"""Rules as data: every rule file is valid, its id matches its name, and the compiled index and the generated
docs page are not stale."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import ROOT

from linter.ruleset import INDEX, PROFILE, RuleError, compile_index, load_rule_file, rule_validator

RULE_FILES = sorted(path for path in (ROOT / "rules").glob("*.yaml") if path.name != PROFILE)


@pytest.mark.parametrize("path", RULE_FILES, ids=[path.stem for path in RULE_FILES])
def test_rule_file_is_valid_and_named_after_its_id(path: Path) -> None:
    rule = load_rule_file(path, rule_validator())
    assert rule.id == path.stem
    assert "How to fix" in rule.description or rule.id.startswith("SN")


def test_the_rule_ids_are_the_contract() -> None:
    ids = {path.stem for path in RULE_FILES}
    assert {"EXO001", "EXO002", "EXO003", "EXO004", "EXO005"} <= ids
    assert {"CRD001", "CRD002", "CRD003", "CRD004", "CRD005", "SN001", "SN002", "SN003"} <= ids


def test_compiled_index_is_not_stale() -> None:
    committed = (ROOT / "rules" / INDEX).read_text(encoding="utf-8")
    assert committed == compile_index(ROOT / "rules"), "run: python -m linter.ruleset"


def test_rules_docs_page_is_not_stale() -> None:
    from linter.ruleset import builtin_rules, render_rules_doc

    committed = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
    assert committed == render_rules_doc(builtin_rules()), "run: python -m linter.ruleset"


def test_a_bad_rule_file_names_its_line(tmp_path: Path) -> None:
    bad = tmp_path / "ACME001.yaml"
    bad.write_text(
        "id: ACME001\nname: acme-rule\nseverity: fatal\nsummary: s\ndescription: d\n"
        "check: {kind: field, tables: [windows_credentials], field: user_name, present: true}\n",
        encoding="utf-8",
    )
    with pytest.raises(RuleError, match=r"ACME001\.yaml:3:11: invalid rule: 'severity': 'fatal' is not one of"):
        load_rule_file(bad)


def test_a_message_template_with_an_unknown_placeholder_is_a_rule_error(tmp_path: Path) -> None:
    bad = tmp_path / "ACME002.yaml"
    bad.write_text(
        "id: ACME002\nname: acme-rule\nseverity: error\nsummary: s\ndescription: d\n"
        "check:\n  kind: field\n  tables: [windows_credentials]\n  field: user_name\n  present: true\n"
        '  message: "{record} has {value}"\n',
        encoding="utf-8",
    )
    with pytest.raises(RuleError, match=r"ACME002\.yaml:11:12: invalid rule: 'check/message' may use only"):
        load_rule_file(bad)
