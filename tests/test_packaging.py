"""Packaging and set-up stay honest: the licence file, one version, the supported Pythons named the same way in
pyproject, .ci/run and the README, exact test-tool pins, every subpackage and data file shipped, and README install
lines that work today (no package index, no v0.1.0 tag)."""

from __future__ import annotations

import re
import sys
from importlib import metadata, resources
from typing import Any

from conftest import ROOT

import linter

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

SUPPORTED = ["3.10", "3.11", "3.12", "3.13"]


def _pyproject() -> dict[str, Any]:
    data: dict[str, Any] = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return data


def _readme() -> str:
    return (ROOT / "README.md").read_text(encoding="utf-8")


def test_licence_file_is_the_apache_2_0_text() -> None:
    project = _pyproject()["project"]
    assert project["license"] == "Apache-2.0" and project["license-files"] == ["LICENSE"]
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert "Apache License\n                           Version 2.0, January 2004" in text
    assert "END OF TERMS AND CONDITIONS" in text and "APPENDIX: How to apply the Apache License" in text
    # setuptools reads the SPDX string from 77 on (PEP 639); older ones reject it
    (requirement,) = _pyproject()["build-system"]["requires"]
    match = re.fullmatch(r"setuptools>=(\d+)(\.\d+)*", requirement)
    assert match is not None and int(match.group(1)) >= 77


def test_the_version_lives_in_one_place() -> None:
    project = _pyproject()
    assert "version" not in project["project"] and project["project"]["dynamic"] == ["version"]
    assert project["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "linter.__version__"}
    assert metadata.version("snlint") == linter.__version__  # the installed metadata (editable or wheel) agrees
    assert re.fullmatch(r"\d+\.\d+\.\d+", linter.__version__)


def test_supported_pythons_agree_everywhere() -> None:
    project = _pyproject()["project"]
    assert project["requires-python"] == f">={SUPPORTED[0]}"
    classified = [c.rsplit(" :: ", 1)[1] for c in project["classifiers"]
                  if re.fullmatch(r"Programming Language :: Python :: 3\.\d+", c)]
    assert classified == SUPPORTED
    assert f'SUPPORTED="{" ".join(SUPPORTED)}"' in (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert f"Python {SUPPORTED[0]} to {SUPPORTED[-1]}" in _readme()
    assert _pyproject()["tool"]["ruff"]["target-version"] == "py" + SUPPORTED[0].replace(".", "")
    assert _pyproject()["tool"]["mypy"]["python_version"] == SUPPORTED[0]
    assert sys.version_info[:2] >= (3, 10) and f"{sys.version_info[0]}.{sys.version_info[1]}" in SUPPORTED


def test_test_tools_are_pinned_exactly() -> None:
    extras = _pyproject()["project"]["optional-dependencies"]["test"]
    pins = dict(requirement.split("==") for requirement in extras)
    assert set(pins) == {"pytest", "hypothesis", "pre-commit", "ruff", "mypy", "pygls"}
    for name, version in pins.items():
        assert re.fullmatch(r"\d+(\.\d+)+", version), name
        assert metadata.version(name) == version, f"{name} {metadata.version(name)} installed, {version} pinned"


def test_every_subpackage_and_data_file_is_shipped() -> None:
    """The explicit package list covers every folder of linter/ (a new subpackage must be added to it), and the
    installed package (editable or wheel) holds the rules and schemas."""
    setuptools = _pyproject()["tool"]["setuptools"]
    found = {"linter", *(f"linter.{path.parent.name}" for path in (ROOT / "linter").glob("*/__init__.py"))}
    assert set(setuptools["packages"]) == found | {"linter.rules"}
    assert setuptools["package-dir"] == {"linter.rules": "rules"}
    rules = resources.files("linter.rules")
    shipped = {entry.name for entry in rules.iterdir()}
    assert {path.name for path in (ROOT / "rules").iterdir() if path.suffix in (".yaml", ".json")} <= shipped
    schemas = {entry.name for entry in resources.files("linter.schemas").iterdir()}
    assert {"config.schema.json", "credential-export.schema.json"} <= schemas


def test_readme_installs_only_what_exists() -> None:
    readme = _readme()
    assert "pip install snlint" not in readme  # not on a package index
    assert "v0.1.0" not in readme and "v0.1.0" not in (ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8")
    assert 'pip install "snlint @ git+https://github.com/<your-org>/snlint@<tag-or-sha>"' in readme
    assert "rev: <tag-or-full-commit-sha>" in readme
    assert "uses: <your-org>/snlint@<tag-or-full-commit-sha>" in readme
    assert "exits with 1 on purpose" in readme
