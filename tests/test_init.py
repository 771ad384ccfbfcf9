"""`snlint init`: a commented starter .snlint.yaml with every key at its default, the snippets to run snlint, and
never an overwritten file."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import ROOT, snlint
from ruamel.yaml import YAML

from linter.config import load_settings
from linter.settings import Settings


def test_init_writes_a_starter_that_loads_with_every_default(tmp_path: Path) -> None:
    result = snlint("init", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    config = tmp_path / ".snlint.yaml"
    text = config.read_text(encoding="utf-8")
    loaded = load_settings(str(config))
    differing = {name for name in Settings._fields if getattr(loaded, name) != getattr(Settings(), name)}
    assert differing == {"config_path", "root"}  # every key at its default (root: the file's folder)
    schema = json.loads((ROOT / "linter" / "schemas" / "config.schema.json").read_text(encoding="utf-8"))
    document = YAML(typ="safe").load(text)
    assert set(document) == set(schema["properties"])  # every key, no more
    assert set(document["identity"]) == set(schema["properties"]["identity"]["properties"])
    assert "# Identity: where the Microsoft account that signed in at Get OAuth Token is recorded" in text
    assert "EXO004 (cannot verify)" in text  # what happens without it
    # a run with it behaves as a run without configuration
    assert snlint("examples/", "--config", str(config), cwd=ROOT).stdout == snlint("--isolated", "examples/",
                                                                                   cwd=ROOT).stdout


def test_init_prints_the_pre_commit_and_github_actions_snippets(tmp_path: Path) -> None:
    out = snlint("init", cwd=tmp_path).stdout
    assert out.startswith("Wrote .snlint.yaml: a starter configuration, every key at its default.\n")
    blocks = [block for block in out.split("\n\n") if block.startswith("# .")]
    pre_commit, workflow = (YAML(typ="safe").load(block) for block in blocks)
    [repo] = pre_commit["repos"]
    assert repo["repo"] == "https://github.com/<your-org>/snlint" and repo["hooks"] == [{"id": "snlint"}]
    assert repo["rev"] == "<tag-or-full-commit-sha>"  # a placeholder nobody can mistake for a release
    steps = workflow["jobs"]["snlint"]["steps"]
    runs = [step["run"] for step in steps if "run" in step]
    assert runs[-1] == "snlint --format sarif:snlint.sarif --format text ."
    assert steps[-1]["with"] == {"sarif_file": "snlint.sarif"}


def test_init_never_overwrites(tmp_path: Path) -> None:
    config = tmp_path / ".snlint.yaml"
    config.write_text("fail-on: warning\n", encoding="utf-8")
    result = snlint("init", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr == "snlint: error: .snlint.yaml already exists: not overwritten\n"
    assert result.stdout == ""
    assert config.read_text(encoding="utf-8") == "fail-on: warning\n"
    other = snlint("init", "config/snlint.yaml", cwd=tmp_path)
    assert other.returncode == 2 and "config/snlint.yaml: cannot write: No such file or directory" in other.stderr
    (tmp_path / "config").mkdir()
    assert snlint("init", "config/snlint.yaml", cwd=tmp_path).returncode == 0
    assert (tmp_path / "config" / "snlint.yaml").is_file()
