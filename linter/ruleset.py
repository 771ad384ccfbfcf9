"""The rules: built-in rule files from rules/ (shipped in the wheel) plus the configured `rule-paths`.

Rule files are YAML validated against rules/rule.schema.json. So that a lint run starts as fast as bare Python,
the built-in rules are also kept compiled in rules/index.json (regenerated with `python -m linter.ruleset`, and a
test fails when it is stale); YAML and JSON Schema are loaded only for custom rules and for that regeneration.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pathlib import Path

from linter.model import Severity

INDEX = "index.json"
PROFILE = "exchange-online.profile.yaml"
SCHEMA = "rule.schema.json"
DOCS_URL = "https://github.com/snlint/snlint/blob/main/docs/rules.md#{anchor}"


@dataclass(frozen=True)
class Rule:
    id: str
    name: str
    severity: Severity
    summary: str
    description: str
    check: Mapping[str, Any]
    references: tuple[str, ...] = ()
    source: str = "built-in"
    options: Mapping[str, Any] = field(default_factory=dict)
    fix: str = ""  # the automatic fix the rule offers (`trim`), or none

    @property
    def help_uri(self) -> str:
        return DOCS_URL.format(anchor=f"{self.id.lower()}-{self.name}")

    @classmethod
    def from_data(cls, data: Mapping[str, Any], source: str) -> Rule:
        return cls(
            id=data["id"],
            name=data["name"],
            severity=Severity(data["severity"]),
            summary=data["summary"].strip(),
            description=data["description"].strip(),
            check=dict(data["check"]),
            references=tuple(data.get("references", ())),
            source=source,
            fix=data.get("fix", ""),
        )

    def to_data(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "severity": self.severity.value,
            "summary": self.summary,
            "description": self.description,
            "references": list(self.references),
            "check": dict(self.check),
            **({"fix": self.fix} if self.fix else {}),
        }


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
    from linter.read.yamldoc import YamlProblem, error_position, load_yaml_document, schema_error_message

    try:
        document, locate = load_yaml_document(path.read_text(encoding="utf-8"), str(path))
    except YamlProblem as error:
        raise RuleError(f"{path}:{error.line}:{error.column}: invalid rule file: {error.message}") from error
    except (OSError, UnicodeDecodeError, ValueError) as error:
        raise RuleError(f"{path}: cannot read rule file: {error}") from error
    validator = validator or rule_validator()
    errors = sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path))
    if errors:
        line, column = error_position(locate, errors[0])
        raise RuleError(f"{path}:{line}:{column}: invalid rule: {schema_error_message(errors[0])}")
    template = document["check"].get("message")
    if isinstance(template, str):
        try:
            template.format(table="", record="", field="")
        except (KeyError, IndexError, ValueError) as error:
            line, column = locate(["check", "message"])
            raise RuleError(
                f"{path}:{line}:{column}: invalid rule: 'check/message' may use only {{table}}, {{record}} and "
                f"{{field}} (problem: {error!r})"
            ) from error
    return Rule.from_data(document, str(path))


def rule_validator() -> Any:
    import jsonschema

    schema = json.loads(_package().joinpath(SCHEMA).read_text(encoding="utf-8"))
    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())


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


def main() -> None:
    """Regenerate rules/index.json and docs/rules.md from the rule files (run after editing rules/)."""
    from pathlib import Path

    from linter.report.rulesdoc import render_rules_doc

    root = Path(__file__).resolve().parent.parent
    index = compile_index(root / "rules")
    (root / "rules" / INDEX).write_text(index, encoding="utf-8")
    rules = {item["id"]: Rule.from_data(item, "built-in") for item in json.loads(index)["rules"]}
    (root / "docs").mkdir(exist_ok=True)
    (root / "docs" / "rules.md").write_text(render_rules_doc(rules), encoding="utf-8")
    print(f"wrote rules/{INDEX} ({len(rules)} rules) and docs/rules.md")


if __name__ == "__main__":
    main()
