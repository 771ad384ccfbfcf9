"""The GitHub Action (action.yml), for real: its YAML is checked (every `${{ inputs.x }}` declared and every declared
input used, step outputs written by the step that declares them), and its run scripts are executed with bash as the
runner would: inputs substituted into their `env:`, `github.action_path` this checkout, fake GITHUB_OUTPUT,
GITHUB_STEP_SUMMARY and RUNNER_TEMP files. The install step installs snlint into a fresh virtual environment
(about 15 s, once per module); the other steps then run that installed snlint on the examples."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT
from ruamel.yaml import YAML

ACTION = ROOT / "action.yml"
EXPRESSION = re.compile(r"\$\{\{\s*([^}]*?)\s*\}\}")
EXO001 = "examples/update-sets/exchange_online_setup.xml"


def _action() -> dict[str, Any]:
    data: dict[str, Any] = YAML(typ="safe").load(ACTION.read_text(encoding="utf-8"))
    return data


def _steps() -> list[dict[str, Any]]:
    steps: list[dict[str, Any]] = _action()["runs"]["steps"]
    return steps


def _step(name: str) -> dict[str, Any]:
    (step,) = [step for step in _steps() if step.get("name") == name]
    return step


def test_the_action_declares_what_it_uses() -> None:
    action = _action()
    assert action["runs"]["using"] == "composite"
    declared = set(action["inputs"])
    assert declared == {"paths", "format", "fail-on", "config", "upload-sarif", "python-version"}
    text = ACTION.read_text(encoding="utf-8")
    used = set(re.findall(r"\binputs\.([A-Za-z0-9_-]+)", text))
    assert used == declared  # nothing undeclared, nothing declared in vain
    for name, spec in action["inputs"].items():
        assert spec["description"] and isinstance(spec["default"], str), name

    ids = {step["id"]: step for step in _steps() if "id" in step}
    for step_id, output in re.findall(r"\bsteps\.([A-Za-z0-9_-]+)\.outputs\.([A-Za-z0-9_-]+)", text):
        assert f"echo \"{output}=" in ids[step_id]["run"], (step_id, output)  # written by the step it names
    for step in _steps():
        assert ("run" in step) != ("uses" in step)
        if "run" in step:
            assert step["shell"] == "bash"
            assert "${{" not in step["run"], step["name"]  # inputs reach scripts through env, never spliced in
        else:
            assert re.fullmatch(r"[\w-]+/[\w/-]+@v\d+", step["uses"]), step["uses"]
    assert [step["uses"].split("@")[0] for step in _steps() if "uses" in step] == [
        "actions/setup-python", "github/codeql-action/upload-sarif"]
    assert "inputs.upload-sarif == 'true'" in _step("Upload SARIF to code scanning")["if"]


@pytest.fixture(scope="module")
def runner(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv standing in for the runner's Python, with the action's install step run in it."""
    venv = tmp_path_factory.mktemp("action") / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    result = _run_step(_step("Install snlint"), {}, venv, tmp_path_factory.mktemp("install"))
    assert result.returncode == 0, result.stdout + result.stderr
    assert (venv / "bin" / "snlint").is_file()
    return venv


def _inputs(**given: str) -> dict[str, str]:
    """The declared defaults, overridden by `given` (keys spelled with _ for -)."""
    values = {name: spec["default"] for name, spec in _action()["inputs"].items()}
    values.update({name.replace("_", "-"): value for name, value in given.items()})
    return values


def _expand(value: str, inputs: dict[str, str], outputs: dict[str, str]) -> str:
    """What the runner substitutes for `${{ ... }}`: inputs, github.action_path and step outputs."""

    def one(match: re.Match[str]) -> str:
        expression = match.group(1)
        if expression.startswith("inputs."):
            return inputs[expression.removeprefix("inputs.")]
        if expression == "github.action_path":
            return str(ROOT)
        if expression.startswith("steps.lint.outputs."):
            return outputs.get(expression.removeprefix("steps.lint.outputs."), "")
        raise AssertionError(f"unexpected expression {expression!r}")

    return EXPRESSION.sub(one, value)


def _run_step(step: dict[str, Any], inputs: dict[str, str], venv: Path, folder: Path,
              outputs: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("SNLINT_", "VIRTUAL_ENV"))}
    env.update({key: _expand(str(value), inputs, outputs or {}) for key, value in step.get("env", {}).items()})
    env.update({
        "PATH": f"{venv / 'bin'}{os.pathsep}{os.environ['PATH']}",
        "GITHUB_OUTPUT": str(folder / "output"),
        "GITHUB_STEP_SUMMARY": str(folder / "summary.md"),
        "RUNNER_TEMP": str(folder),
        "NO_COLOR": "1",
        "SNLINT_CACHE_DIR": os.environ["SNLINT_CACHE_DIR"],
    })
    # `shell: bash` is `bash --noprofile --norc -eo pipefail {0}` on the runner
    return subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)


def _run_action(venv: Path, folder: Path, inputs: dict[str, str]) -> tuple[list[str], dict[str, str], int]:
    """The steps after the install, in order: the Lint log, its outputs, and the exit code of the final step."""
    lint = _run_step(_step("Lint"), inputs, venv, folder)
    assert lint.returncode == 0, lint.stderr  # the Lint step never fails: the last step does, after the summary
    assert "Traceback" not in lint.stderr
    outputs = dict(line.split("=", 1) for line in (folder / "output").read_text(encoding="utf-8").splitlines())
    summary = _run_step(_step("Inventory to the job summary"), inputs, venv, folder, outputs)
    assert summary.returncode == 0, summary.stderr
    final = _run_step(_step("Fail on findings"), inputs, venv, folder, outputs)
    return lint.stdout.splitlines(), outputs, final.returncode


def test_defaults_annotate_the_examples_write_the_summary_and_fail(runner: Path, tmp_path: Path) -> None:
    log, outputs, code = _run_action(runner, tmp_path, _inputs(paths="examples"))
    assert outputs == {"exit-code": "1"}
    assert code == 1
    assert any(line.startswith(f"::error file={EXO001},line=222,col=119,") and "title=EXO001" in line for line in log)
    assert any(line.startswith("::warning file=examples/credentials.yaml,line=42,col=16,") for line in log)
    summary = (tmp_path / "summary.md").read_text(encoding="utf-8")
    assert summary.startswith("## Exchange Online inventory\n")
    assert f"`{EXO001}:222:119`" in summary and "**differs** (EXO001)" in summary


def test_sarif_upload_config_and_several_paths(runner: Path, tmp_path: Path) -> None:
    config = tmp_path / "snlint.yaml"
    config.write_text("ignore: [EXO001]\n", encoding="utf-8")
    inputs = _inputs(paths="examples/update-sets  examples/list-exports", format="text", fail_on="warning",
                     config=str(config), upload_sarif="true")
    log, outputs, code = _run_action(runner, tmp_path, inputs)
    sarif = tmp_path / "snlint.sarif"
    assert outputs == {"sarif-file": str(sarif), "exit-code": "0"} and code == 0
    assert log == ["No problems found in 2 file(s)."]  # the configuration was read: EXO001 ignored
    assert json.loads(sarif.read_text(encoding="utf-8"))["runs"][0]["results"] == []

    config.write_text("ignore: [CRD005]\n", encoding="utf-8")
    log, outputs, code = _run_action(runner, tmp_path, inputs)
    assert outputs == {"sarif-file": str(sarif), "exit-code": "1"} and code == 1
    assert log[0].startswith(f"{EXO001}:222:119: EXO001 error:")
    results = json.loads(sarif.read_text(encoding="utf-8"))["runs"][0]["results"]
    assert [(r["ruleId"], r["locations"][0]["physicalLocation"]["region"]["startLine"]) for r in results] == [
        ("EXO001", 222)]


def test_a_clean_repository_passes(runner: Path, tmp_path: Path) -> None:
    log, outputs, code = _run_action(runner, tmp_path, _inputs(paths="tests/corpus", fail_on="info"))
    assert (outputs, code, log) == ({"exit-code": "0"}, 0, [])
    summary = (tmp_path / "summary.md").read_text(encoding="utf-8")
    assert "snlint found **0** Exchange Online alias(es), 0 connection(s)" in summary and "in 8 file(s)" in summary
