"""The README and docs/ say what the code does: every option and command of the help in README "Usage", the Rules
table generated from rules/, the sample outputs and the examples of docs/output.md the real output of the commands
they show, every configuration key documented, and the inventory excerpt a part of examples/inventory.md."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT, snlint

from linter.cli import COMMANDS
from linter.inventory import FORMATS as INVENTORY_FORMATS
from linter.report import FORMATS
from linter.ruleset import builtin_rules

README = ROOT / "README.md"
GROUPS = ("EXO", "CRD", "SN")  # the README's order: the core rules, credential hygiene, snlint's own


def section(text: str, heading: str) -> str:
    """The body of the `## heading` section (up to the next `## `)."""
    return text.split(f"\n{heading}\n", 1)[1].split("\n## ", 1)[0]


def readme_section(heading: str) -> str:
    return section(README.read_text(encoding="utf-8"), heading)


def first_table(text: str) -> list[str]:
    """The rows of the first Markdown table in `text`."""
    lines = text.splitlines()
    start = next(index for index, line in enumerate(lines) if line.startswith("| "))
    end = next((index for index in range(start, len(lines)) if not lines[index].startswith("| ")), len(lines))
    return lines[start:end]


def _options(help_text: str) -> set[str]:
    """Every option string a help text names (`-q`, `--no-respect-gitignore`)."""
    return set(re.findall(r"(?<![\w-])(--?[a-z][a-z-]*)", help_text))


def _mentioned(option: str, text: str) -> bool:
    return re.search(rf"(?<![\w-]){re.escape(option)}(?![\w-])", text) is not None


@pytest.mark.parametrize("command", COMMANDS)
def test_usage_names_every_option_of_every_command(command: str) -> None:
    usage = readme_section("## Usage")
    result = snlint(*([] if command == "lint" else [command]), "--help")
    assert result.returncode == 0, result.stderr
    options = _options(result.stdout)
    assert "--help" in options and (command != "lint" or "--no-respect-gitignore" in options)
    missing = sorted(option for option in options if not _mentioned(option, usage))
    assert missing == [], f"README Usage does not name {missing} of `snlint {command} --help`"
    assert f"snlint {command}" in usage


def test_usage_names_every_format() -> None:
    usage = readme_section("## Usage")
    first, *others = FORMATS
    assert f"{first} (default), {', '.join(others)};" in usage
    assert "{" + ",".join(INVENTORY_FORMATS) + "}" in usage
    assert "snlint rules [-f {text,json}]" in usage


def rules_table() -> list[str]:
    """The README Rules table's rows, generated from rules/ (id, severity, summary)."""
    rules = sorted(builtin_rules().values(), key=lambda rule: (GROUPS.index(re.sub(r"\d+$", "", rule.id)), rule.id))
    return [f"| {rule.id} | {rule.severity.value} | {rule.summary} |" for rule in rules]


def test_readme_rules_table_is_generated_from_rules() -> None:
    table = first_table(readme_section("## Rules"))
    assert table[:2] == ["| Rule | Severity | What it reports |", "| --- | --- | --- |"]
    assert table[2:] == rules_table(), "README Rules table is stale: rows are `| id | severity | summary |`"


def test_readme_sample_output_is_the_real_output(tmp_path: Path) -> None:
    """Each `$ command` of README "Sample output" prints exactly the lines below it (standard output, then
    standard error); java-project/ is a folder holding a Maven pom.xml."""
    blocks = re.findall(r"```text\n(.*?)```", readme_section("## Sample output"), re.S)
    runs = [run for block in blocks for run in re.split(r"^(?=\$ )", block, flags=re.M) if run]
    assert [run.split("\n", 1)[0] for run in runs] == [
        "$ snlint examples/", "$ snlint --statistics examples/", "$ snlint -v java-project/",
    ]
    (tmp_path / "java-project").mkdir()
    (tmp_path / "java-project" / "pom.xml").write_text(
        '<?xml version="1.0"?>\n<project><modelVersion>4.0.0</modelVersion></project>\n', encoding="utf-8"
    )
    for run in runs:
        command, expected = run.split("\n", 1)
        arguments = command.split()[2:]  # after "$ snlint"
        result = snlint(*arguments, cwd=tmp_path if "java-project/" in arguments else ROOT)
        assert result.returncode == (0 if "java-project/" in arguments else 1)
        assert result.stdout + result.stderr == expected, command


def _select(data: Any, selector: str) -> Any:
    for part in re.findall(r"[A-Za-z_]\w*|\[\d+\]", selector):
        data = data[int(part[1:-1])] if part.startswith("[") else data[part]
    return data


def test_output_doc_examples_are_the_real_output() -> None:
    """docs/output.md: "`snlint ...`:" (or "`snlint ...`, its `a[0].b`:") then a block with that output."""
    document = (ROOT / "docs" / "output.md").read_text(encoding="utf-8")
    examples = re.findall(r"^`(snlint [^`]+)`(?:, its `([^`]+)`)?:\n\n```\w+\n(.*?)```", document, re.S | re.M)
    assert len(examples) >= 10
    shown = set()
    for command, selector, expected in examples:
        arguments = command.split()[1:]
        result = snlint(*arguments, cwd=ROOT)
        assert result.returncode in (0, 1), result.stderr
        output = result.stdout
        if selector:
            output = json.dumps(_select(json.loads(output), selector), indent=2, ensure_ascii=False) + "\n"
        assert output == expected, command
        shown.update(arguments[arguments.index("-f") + 1:][:1] if "-f" in arguments else ["text"])
    assert shown == set(FORMATS)
    for name in FORMATS:
        assert f"\n## {name}" in document


def _schema_keys(node: dict[str, Any], prefix: str = "") -> list[str]:
    keys = []
    for key, value in node.get("properties", {}).items():
        if key == "suppress" or "properties" not in value:
            keys.append(prefix + key)
        keys += _schema_keys(value, f"{prefix}{key}.")
    return keys


def test_configuration_doc_has_a_row_for_every_key() -> None:
    schema = json.loads((ROOT / "linter" / "schemas" / "config.schema.json").read_text(encoding="utf-8"))
    keys = _schema_keys(schema)
    assert {"tables", "respect-gitignore", "require-exports", "identity.oauth-fields"} <= set(keys)
    table = section((ROOT / "docs" / "configuration.md").read_text(encoding="utf-8"), "## The keys")
    documented = re.findall(r"^\| `([\w.-]+)` \|", table, re.M)
    assert sorted(documented) == sorted(keys)


def test_readme_inventory_rows_are_those_of_examples_inventory() -> None:
    inventory = (ROOT / "examples" / "inventory.md").read_text(encoding="utf-8")
    assert first_table(readme_section("## Inventory")) == first_table(section(inventory, "### Verdicts"))


def test_what_snlint_reads_states_the_limits_the_code_uses() -> None:
    """README "What snlint reads" names every folder the walk skips and the numbers the readers use."""
    from linter.discover import APP_FOLDERS, SKIP_DIRS
    from linter.read.yaml import MAX_ALIAS_EXPANSION, MAX_EXPORT_DEPTH, SNIFF_BYTES
    from linter.settings import Settings

    reads = readme_section("## What snlint reads")
    listed = re.findall(r"`([^`/ ]+)`", reads.split("The walk skips only", 1)[1].split("Build output", 1)[0])
    assert sorted(listed) == sorted(SKIP_DIRS)
    assert all(f"`{folder}/`" in reads for folder in APP_FOLDERS)
    reads = " ".join(reads.split())  # line breaks as spaces
    assert f"first {SNIFF_BYTES // 1024} KiB" in reads
    assert f"over {MAX_ALIAS_EXPANSION:,} is an alias bomb" in reads
    settings = Settings()
    assert f"`max-file-size` ({settings.max_file_size >> 30} GB)" in reads
    assert f"`max-depth` ({settings.max_depth}; YAML and JSON exports at most {MAX_EXPORT_DEPTH})" in reads
