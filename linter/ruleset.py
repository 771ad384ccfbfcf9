"""The rules: built-in rule files from rules/ (shipped in the wheel) plus the configured `rule-paths`.

Rule files are YAML validated against rules/rule.schema.json. So that a lint run starts as fast as bare Python,
the built-in rules are also kept compiled in rules/index.json (regenerated with `python -m linter.ruleset`, and a
test fails when it is stale); YAML and JSON Schema are loaded only for custom rules and for that regeneration.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from functools import cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pathlib import Path

from linter.model import Finding, Rule

INDEX = "index.json"
PROFILE = "exchange-online.profile.yaml"
SCHEMA = "rule.schema.json"


class RuleError(Exception):
    """A rule file that cannot be used: the message names the file and line."""


def _package() -> Any:
    """The shipped rules folder. A plain path when installed as files (importlib.resources and pathlib cost
    ~8 ms of start-up, a third of a small pre-commit run), importlib.resources otherwise (zip imports)."""
    from importlib import import_module

    try:
        folder = os.path.dirname(import_module("linter.rules").__file__ or "")
    except ModuleNotFoundError:  # a source checkout that is not installed: rules/ beside linter/
        folder = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "rules")
    if os.path.isfile(os.path.join(folder, INDEX)):
        return _Folder(folder)
    from importlib import resources

    return resources.files("linter.rules")


class _Folder:
    """The part of importlib.resources' Traversable API used here, on a plain folder."""

    def __init__(self, folder: str) -> None:
        self.folder = folder

    def joinpath(self, name: str) -> _Folder:
        return _Folder(os.path.join(self.folder, name))

    def read_text(self, encoding: str = "utf-8") -> str:
        with open(self.folder, encoding=encoding) as handle:
            return handle.read()


_index: dict[str, Any] = {}


def _compiled() -> dict[str, Any]:
    """rules/index.json, read once per process."""
    if not _index:
        _index.update(json.loads(_package().joinpath(INDEX).read_text(encoding="utf-8")))
    return _index


def builtin_rules() -> dict[str, Rule]:
    """The shipped rules, from the compiled index (no YAML parsing on the lint path)."""
    return {item["id"]: Rule.from_data(item, "built-in") for item in _compiled()["rules"]}


def builtin_profile() -> dict[str, Any]:
    """The Exchange Online spoke's tables and fields (rules/exchange-online.profile.yaml, compiled)."""
    profile: dict[str, Any] = _compiled()["profile"]
    return profile


def load_rule_file(path: Path, validator: Any | None = None) -> Rule:
    """Read and validate one YAML rule file; a problem is a RuleError naming the file and line."""
    from linter.read.yamldoc import YamlProblem, key_position, load_yaml_document
    from linter.schema import describe, error_position

    try:
        document, locate = load_yaml_document(path.read_text(encoding="utf-8"), str(path))
    except YamlProblem as error:
        raise RuleError(f"{path}:{error.line}:{error.column}: invalid rule file: {error.message}") from error
    except (OSError, UnicodeDecodeError, ValueError) as error:
        raise RuleError(f"{path}: cannot read rule file: {error}") from error
    validator = validator or rule_validator()
    errors = sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path))
    if errors:
        line, column = error_position(errors[0], locate, lambda at: key_position(locate, at))
        raise RuleError(f"{path}:{line}:{column}: invalid rule: {describe(errors[0])}")
    template = document["check"].get("message")
    if isinstance(template, str):
        problem = template_problem(template)
        if problem:
            line, column = locate(["check", "message"])
            raise RuleError(
                f"{path}:{line}:{column}: invalid rule: 'check/message' may use only the plain placeholders "
                f"{{table}}, {{record}} and {{field}} ({problem})"
            )
    return Rule.from_data(document, str(path))


PLACEHOLDERS = frozenset({"table", "record", "field"})


def template_problem(template: str) -> str:
    """Why a message template is refused ("" when it is fine): only plain `{table}`, `{record}` and `{field}`
    placeholders, so that rendering a finding can neither grow without bound (`{table:>200000000}`) nor reach
    objects' attributes (`{record.__class__}`)."""
    from string import Formatter

    try:
        parts = list(Formatter().parse(template))
    except ValueError as error:  # unbalanced braces
        return str(error)
    for _, name, spec, conversion in parts:
        if name is None:
            continue
        if name not in PLACEHOLDERS:
            return f"unknown placeholder {{{name}}}"
        if spec or conversion:
            return f"placeholder {{{name}}} has a format specification or conversion"
    return ""


def rule_validator() -> Any:
    from linter.schema import validator_of

    return validator_of(_package().joinpath(SCHEMA).read_text(encoding="utf-8"))


def bound_rule(rules: Mapping[str, Rule], problem: str) -> Rule | None:
    """The rule that reports problem kind `problem`: readers, the policy and the engine report kinds
    (`unparseable`, `unused-suppression`, ...), and rule files bind them to ids (`check: {kind: input, problems:
    [...]}`)."""
    return next((rule for rule in rules.values() if problem in rule.check.get("problems", ())), None)


def check_bindings(rules: Mapping[str, Rule]) -> None:
    """Each problem kind is bound by one rule at most: a second binding (a custom `input` rule) is a RuleError."""
    bound: dict[str, Rule] = {}
    for rule in rules.values():
        for problem in rule.check.get("problems", ()):
            if problem in bound:
                raise RuleError(f"{rule.source}: problem kind '{problem}' is already reported by {bound[problem].id}")
            bound[problem] = rule


def bind(findings: Iterable[Finding], rules: Mapping[str, Rule]) -> list[Finding]:
    """Findings as their rules report them: a finding of a problem kind (its `rule` is the kind, its `key` without
    a rule id) becomes a finding of the rule that binds the kind, with that rule's severity; a kind no rule binds
    is dropped. Findings of checks already carry their rule."""
    bound: list[Finding] = []
    for item in findings:
        if item.rule in rules:
            bound.append(item)
            continue
        rule = bound_rule(rules, item.rule)
        if rule is not None:
            bound.append(item._replace(rule=rule.id, severity=rule.severity, key=f"{rule.id}:{item.key}"))
    return bound


@cache
def kind_rule(kind: str) -> str:
    """The built-in rule of check kind `kind` (the first, by id), for outputs that name it: "" when none."""
    return next((rule.id for rule in builtin_rules().values() if rule.check.get("kind") == kind), "")


@cache
def outcome_rules() -> dict[str, str]:
    """The built-in rule reporting each Exchange Online pair outcome (`check: {kind: same_identity, outcome: ...}`)."""
    rules = builtin_rules().values()
    return {rule.check["outcome"]: rule.id for rule in rules if rule.check.get("kind") == "same_identity"}


def load_rule_paths(paths: Iterable[Path]) -> dict[str, Rule]:
    """Custom rules from files or folders of `*.yaml` / `*.yml` rule files."""
    rules: dict[str, Rule] = {}
    validator = None
    for path in paths:
        files = sorted([*path.glob("*.yaml"), *path.glob("*.yml")]) if path.is_dir() else [path]
        if not path.exists():
            raise RuleError(f"{path}: rule path does not exist")
        for file in files:
            validator = validator or rule_validator()
            rule = load_rule_file(file, validator)
            if rule.id in rules:
                raise RuleError(f"{file}: rule id {rule.id} is already defined in {rules[rule.id].source}")
            rules[rule.id] = rule
    return rules


def compile_index(rules_dir: Path) -> str:
    """The JSON text of rules/index.json, compiled from the rule files and the spoke profile in `rules_dir`."""
    from linter.read.yamldoc import load_yaml_document

    validator = rule_validator()
    rules = []
    for file in sorted(rules_dir.glob("*.yaml")):
        if file.name == PROFILE:
            continue
        rule = load_rule_file(file, validator)
        if rule.id != file.stem:
            raise RuleError(f"{file}: rule id {rule.id} does not match the file name")
        rules.append(rule.to_data())
    profile, _ = load_yaml_document((rules_dir / PROFILE).read_text(encoding="utf-8"), PROFILE)
    return json.dumps({"rules": rules, "profile": profile}, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def rule_schema() -> str:
    """The JSON text of rules/rule.schema.json: the rule fields, and one `check` branch per check kind (from the
    kinds' modules, linter/checks/)."""
    from linter.checks import schema_branches

    tags = {"type": "array", "items": {"type": "string", "pattern": "^[A-Za-z0-9][A-Za-z0-9._-]*$"}}
    schema = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://snlint.dev/schemas/rule.schema.json",
        "title": "snlint rule",
        "description": "One rule: what it reports, why, how to fix it, and the check it binds to. Generated from "
        "linter/ruleset.py and linter/checks/ by `python -m linter.ruleset`.",
        "type": "object",
        "additionalProperties": False,
        "required": ["id", "name", "severity", "summary", "description", "check"],
        "dependentSchemas": {"fix": {"properties": {"check": {"properties": {"kind": {"const": "field"}}}}}},
        "properties": {
            "id": {"type": "string", "pattern": "^[A-Z]{2,5}[0-9]{3}$", "description": "Stable rule id, e.g. EXO001"},
            "name": {"type": "string", "pattern": "^[a-z0-9]+(-[a-z0-9]+)*$"},
            "severity": {"enum": ["error", "warning", "info"]},
            "summary": {"type": "string", "minLength": 1},
            "description": {"type": "string", "minLength": 1},
            "references": {"type": "array", "items": {"type": "string", "minLength": 1}},
            "tags": {**tags, "description": "SARIF tags: categories for code-scanning filters"},
            "sensitive": {"type": "boolean", "description": "findings point at secret values: never show the line"},
            "fix": {
                "enum": ["trim"],
                "description": "The automatic fix the rule offers (snlint --fix): trim = remove leading and trailing "
                "whitespace from the field's value. Only for kind: field.",
            },
            "check": {
                "type": "object",
                "required": ["kind"],
                "properties": {"kind": {"type": "string"}},
                "oneOf": schema_branches(),
            },
        },
    }
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"


def render_rules_doc(rules: Mapping[str, Rule]) -> str:
    """docs/rules.md, generated from the rule files (a test fails when the committed page is stale)."""
    ordered = sorted(rules.values(), key=lambda rule: rule.id)
    lines = [
        "# snlint rules",
        "",
        "<!-- Generated from rules/*.yaml by `python -m linter.ruleset`; do not edit by hand. -->",
        "",
        "| Rule | Name | Severity | Summary |",
        "| --- | --- | --- | --- |",
    ]
    for rule in ordered:
        anchor = f"{rule.id.lower()}-{rule.name}"
        lines.append(f"| [{rule.id}](#{anchor}) | {rule.name} | {rule.severity.value} | {rule.summary} |")
    for rule in ordered:
        lines += ["", f"## {rule.id} {rule.name}", "", f"Severity: **{rule.severity.value}**", "",
                  rule.summary, "", rule.description]
        if rule.references:
            lines += ["", "References:", "", *(f"- {reference}" for reference in rule.references)]
    return "\n".join(lines) + "\n"


def main() -> None:
    """Regenerate rules/rule.schema.json, rules/index.json and docs/rules.md (run after editing rules/ or a check
    kind)."""
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    (root / "rules" / SCHEMA).write_text(rule_schema(), encoding="utf-8")
    index = compile_index(root / "rules")
    (root / "rules" / INDEX).write_text(index, encoding="utf-8")
    rules = {item["id"]: Rule.from_data(item, "built-in") for item in json.loads(index)["rules"]}
    (root / "docs").mkdir(exist_ok=True)
    (root / "docs" / "rules.md").write_text(render_rules_doc(rules), encoding="utf-8")
    print(f"wrote rules/{SCHEMA}, rules/{INDEX} ({len(rules)} rules) and docs/rules.md")


if __name__ == "__main__":
    main()
