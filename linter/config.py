"""Configuration: find, read and validate `.snlint.yaml` or `[tool.snlint]` in pyproject.toml into Settings.

Search (unless `--config FILE` names the file, or `--isolated` asks for the defaults): the current directory, then
each parent in turn; in one directory `.snlint.yaml`, then `.snlint.yml`, then a pyproject.toml that has a
[tool.snlint] table. The first file found is the configuration (files are not merged). Relative paths in it
(`rule-paths`, `context`) and the globs of `exclude` and `per-path-ignores` are relative to its folder.

The file is validated against linter/schemas/config.schema.json, then rule ids, sizes and paths are checked;
every problem is reported as `FILE:LINE:COL: message` in one ConfigError (the command exits 2). ruamel.yaml,
tomllib and jsonschema are imported only when a configuration file exists.
"""

from __future__ import annotations

import importlib
import os
import re
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, NamedTuple

from linter.model import Position, Severity
from linter.settings import Settings, Suppression

CONFIG_NAMES = (".snlint.yaml", ".snlint.yml")
PYPROJECT = "pyproject.toml"
SCHEMA = "config.schema.json"
TOOL_TABLE = ("tool", "snlint")

Locate = Callable[[Sequence[object]], tuple[int, int]]

# Patterns of rarer paths, compiled (and cached by `re`) when first used: compiling them cost ~0.4 ms of every start.
_SIZE = r"\s*([0-9]+(?:\.[0-9]+)?)\s*([KkMmGg]?)(?:i?[Bb])?\s*"
_UNITS = {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3}
_TOML_POSITION = r"\s*\(at line (\d+), column (\d+)\)\s*$"
# [tool.snlint] / [tool.snlint.x] headers, a `tool.snlint.x = ...` dotted key, or a bare [tool] table
_MAY_HAVE_TOOL_TABLE = r"(?m)^\s*(?:\[\s*tool\s*(?:\.\s*[\"']?snlint\b|\])|tool\s*\.\s*[\"']?snlint\b)"


class ConfigError(Exception):
    """An invalid configuration: the message names the file, line and problem."""


class _Document(NamedTuple):
    """A configuration file's snlint table as plain data, and where each of its keys and values is."""

    path: str  # as shown in messages (relative to the current directory when below it)
    data: dict[str, Any]
    locate: Locate  # the value at a key path
    locate_key: Locate  # the key itself (for unknown keys)


def load_settings(path: str | None = None, isolated: bool = False, use_cache: bool = True) -> Settings:
    """The Settings of a run: from `path`, else from the configuration found upward from the current directory.
    Without `use_cache` the on-disk cache is neither read nor written (--no-cache)."""
    if isolated:
        return Settings()
    if path is not None:
        if not os.path.isfile(path):
            raise ConfigError(f"{path}: configuration file not found")
        config = path
    else:
        found = find_config()
        if found is None:
            return Settings()
        config = found
    return _load_validated(config, use_cache)


def _load_validated(config: str, use_cache: bool) -> Settings:
    """Read and validate a configuration file. The result is cached (as JSON, validated when read back) by the
    file's content, location and working directory, so an unchanged configuration costs neither ruamel.yaml nor
    jsonschema (~45 ms of start-up)."""
    from linter import cache

    text = _text(config)
    cache_name, cache_key = cache.key("config", os.path.abspath(config), os.getcwd(), text)
    if use_cache:
        try:
            return Settings.from_data(cache.load(cache_name, cache_key))
        except (ValueError, TypeError, KeyError):
            pass  # a miss: read the file
    document = _read(config)
    problems = _validate(document)
    if problems:
        raise ConfigError("\n".join(problems))
    settings = _settings(document)
    if use_cache:
        cache.store(cache_name, settings.to_data(), cache_key)
    return settings


def find_config(start: str | None = None) -> str | None:
    """The configuration file that applies to `start` (default: the current directory), or None."""
    here = os.path.abspath(start or os.getcwd())
    while True:
        for name in CONFIG_NAMES:
            candidate = os.path.join(here, name)
            if os.path.isfile(candidate):
                return _shown(candidate)
        pyproject = os.path.join(here, PYPROJECT)
        if os.path.isfile(pyproject) and _has_tool_table(_shown(pyproject)):
            return _shown(pyproject)
        parent = os.path.dirname(here)
        if parent == here:
            return None
        here = parent


def _shown(path: str) -> str:
    """A path as messages show it: relative to the current directory when that is shorter, `/` separators."""
    from linter.discover import display

    try:
        relative = os.path.relpath(path)
    except ValueError:  # another drive (Windows)
        return display(path)
    return display(relative if len(relative) < len(path) else path)


# -- reading ------------------------------------------------------------------------------------------------------
def _text(path: str) -> str:
    try:
        with open(path, encoding="utf-8-sig") as handle:
            return handle.read()
    except UnicodeDecodeError as error:
        raise ConfigError(f"{path}: not valid UTF-8 text (re-save it as UTF-8)") from error
    except OSError as error:
        raise ConfigError(f"{path}: cannot read: {error.strerror or error}") from error


def _read(path: str) -> _Document:
    if path.lower().endswith(".toml"):
        return _read_toml(path)
    return _read_yaml(path)


def _read_yaml(path: str) -> _Document:
    from linter.read.yamldoc import YamlProblem, key_position, load_yaml_document

    try:
        data, locate = load_yaml_document(_text(path), path)
    except YamlProblem as error:
        raise ConfigError(f"{path}:{error.line}:{error.column}: invalid YAML: {error.message}") from error
    if data is None:
        data = {}  # an empty file: the defaults
    if not isinstance(data, dict):
        line, column = locate(())
        raise ConfigError(f"{path}:{line}:{column}: the configuration must be a mapping of keys (see "
                          "docs/configuration.md)")
    return _Document(path, data, locate, lambda at: key_position(locate, at))


def _toml() -> Any:
    """tomllib (Python 3.11+), else the `tomli` package it came from."""
    if sys.version_info >= (3, 11):
        import tomllib

        return tomllib
    try:
        return importlib.import_module("tomli")
    except ModuleNotFoundError as error:
        raise ConfigError(
            "reading pyproject.toml needs Python 3.11 or newer, or the 'tomli' package on Python 3.10 "
            "(pip install tomli); or use a .snlint.yaml file instead"
        ) from error


def _parse_toml(path: str, text: str) -> dict[str, Any]:
    toml = _toml()
    try:
        data: dict[str, Any] = toml.loads(text)
    except toml.TOMLDecodeError as error:
        message = str(error)
        where = re.search(_TOML_POSITION, message)
        line, column = (int(where.group(1)), int(where.group(2))) if where else (text.count("\n") + 1, 1)
        reason = re.sub(_TOML_POSITION, "", message).replace(" (at end of document)", "")
        raise ConfigError(f"{path}:{line}:{column}: invalid TOML: {reason}") from error
    return data


def _has_tool_table(path: str) -> bool:
    """True when a pyproject.toml has a [tool.snlint] table (parsed only when the text mentions snlint)."""
    text = _text(path)
    if re.search(_MAY_HAVE_TOOL_TABLE, text) is None:
        return False
    tool = _parse_toml(path, text).get("tool")
    return isinstance(tool, dict) and "snlint" in tool


def _read_toml(path: str) -> _Document:
    text = _text(path)
    document = _parse_toml(path, text)
    tool = document.get("tool")
    table: object = tool.get("snlint") if isinstance(tool, dict) else None
    prefix: tuple[str, ...] = TOOL_TABLE
    if table is None:
        if os.path.basename(path) == PYPROJECT:
            raise ConfigError(f"{path}: no [tool.snlint] table")
        table, prefix = document, ()  # a TOML file of snlint's own keys
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: [tool.snlint] must be a table of keys")
    locate = _toml_locator(text.split("\n"), prefix)
    return _Document(path, table, locate, locate)


def _toml_locator(lines: list[str], prefix: tuple[str, ...]) -> Locate:
    """Where a key path of the snlint table is written in TOML text: a simple search, good enough for messages.

    Follows `[table]` / `[[array]]` headers first, then `key =` lines (also inside inline tables).
    """

    def header_lines(names: Sequence[str], array: bool) -> list[int]:
        dotted = r"\s*\.\s*".join(rf"(?:{re.escape(name)}|\"{re.escape(name)}\")" for name in names)
        pattern = re.compile(rf"^\s*\[\[\s*{dotted}\s*\]\]" if array else rf"^\s*\[\s*{dotted}\s*\]")
        return [number for number, line in enumerate(lines) if pattern.match(line)]

    def locate(path: Sequence[object]) -> tuple[int, int]:
        names = list(prefix)
        found = header_lines(names, False) if names else []
        start = found[0] if found else 0
        line, column = (start + 1, 1)
        for part in path:
            if isinstance(part, int):
                tables = header_lines(names, True)
                if part < len(tables):
                    start = tables[part]
                    line, column = start + 1, lines[start].index("[") + 1
                continue
            names.append(str(part))
            tables = header_lines(names, False) or header_lines(names, True)
            if tables:
                start = tables[0]
                line, column = start + 1, lines[start].index("[") + 1
                continue
            key = re.compile(rf"(?:^|[{{,]|\s)(\"?{re.escape(str(part))}\"?)\s*=")
            for number in range(start, len(lines)):
                match = key.search(lines[number])
                if match is not None:
                    start = number
                    line, column = number + 1, match.start(1) + 1
                    break
        return line, column

    return locate


# -- validation ---------------------------------------------------------------------------------------------------
def _validate(document: _Document) -> list[str]:
    """Every problem of the file as `FILE:LINE:COL: message`, sorted by line."""
    problems: list[tuple[int, int, str]] = []
    from linter.schema import error_position, validator

    for error in validator(SCHEMA).iter_errors(document.data):
        line, column = error_position(error, document.locate, document.locate_key)
        problems.append((line, column, _describe(error)))
    if not problems:
        problems.extend(_check_values(document))
    return [f"{document.path}:{line}:{column}: {message}" for line, column, message in sorted(problems)]


def _where(path: Sequence[object]) -> str:
    """`identity.equivalent-domains[0][1]` for a key path."""
    return "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in path).lstrip(".")


def _describe(error: Any) -> str:
    """A schema violation in words (keys named as the file writes them)."""
    from linter.schema import kind, property_description

    path = list(error.absolute_path)
    prefix = f"'{_where(path)}': " if path else ""
    schema: Mapping[str, Any] = error.schema if isinstance(error.schema, dict) else {}
    expected = schema.get("description", "a valid value (see docs/configuration.md)")
    validator = error.validator
    if validator == "additionalProperties":
        allowed = sorted(schema.get("properties", {}))
        extra = sorted(str(key) for key in error.instance if key not in allowed)
        names = ", ".join(f"'{name}'" for name in extra)
        return f"{prefix}unknown key {names} (expected one of: {', '.join(allowed)})"
    if "propertyNames" in error.relative_schema_path:
        return f"{prefix}{error.instance!r} is not a valid {expected}"
    if validator == "required":
        missing = [name for name in error.validator_value if name not in error.instance]
        name = missing[0] if missing else "?"
        described = property_description(schema, name)
        return f"{prefix}'{name}' is required" + (f": {described}" if described else "")
    if validator == "type":
        return f"{prefix}expected {expected}, got {kind(error.instance)}"
    return f"{prefix}expected {expected}, got {error.instance!r}"


def _check_values(document: _Document) -> list[tuple[int, int, str]]:
    """What the schema cannot say: rule ids that match no rule, paths that do not exist."""
    data = document.data
    problems: list[tuple[int, int, str]] = []
    selectors: list[tuple[tuple[object, ...], str, bool]] = []  # (where, selector, is a key)
    for name in ("select", "ignore"):
        selectors.extend(((name, index), value, False) for index, value in enumerate(data.get(name, ())))
    for glob, rules in data.get("per-path-ignores", {}).items():
        selectors.extend((("per-path-ignores", glob, index), value, False) for index, value in enumerate(rules))
    selectors.extend((("severity", rule), rule, True) for rule in data.get("severity", {}))
    selectors.extend(
        (("suppress", index, "rule"), entry["rule"], False) for index, entry in enumerate(data.get("suppress", ()))
    )
    folder = os.path.dirname(document.path)
    builtin = _builtin_rule_ids()
    unknown = [(at, value, is_key) for at, value, is_key in selectors if not _known(value, builtin)]
    if unknown:
        custom = _rule_ids(_resolve(folder, path) for path in data.get("rule-paths", ()))
        for at, value, is_key in unknown:
            if not _known(value, custom):
                line, column = (document.locate_key if is_key else document.locate)(at)
                problems.append((line, column, f"'{_where(at)}': unknown rule '{value}' (see 'snlint rules')"))
    for name in ("rule-paths", "context"):
        for index, value in enumerate(data.get(name, ())):
            if not os.path.exists(_resolve(folder, value)):
                line, column = document.locate((name, index))
                problems.append((line, column, f"'{name}[{index}]': '{value}' does not exist (paths are relative "
                                               "to the configuration file's folder)"))
    size = data.get("max-file-size")
    if size is not None and _size(size) < 1:
        line, column = document.locate(("max-file-size",))
        problems.append((line, column, f"'max-file-size': expected a size of at least 1 byte, got {size!r}"))
    return problems


def _builtin_rule_ids() -> tuple[str, ...]:
    from linter.ruleset import builtin_rules

    return tuple(builtin_rules())


def _known(selector: str, rules: Iterable[str]) -> bool:
    """A selector names a rule when it is ALL or a prefix of one of `rules`' ids."""
    selector = selector.upper()
    return selector == "ALL" or any(rule.startswith(selector) for rule in rules)


def _rule_ids(paths: Iterable[str]) -> tuple[str, ...]:
    """The ids of the custom rules in `rule-paths` (a broken rule file is reported with its own line)."""
    from pathlib import Path

    from linter.ruleset import RuleError, load_rule_paths

    existing = [Path(path) for path in paths if os.path.exists(path)]
    try:
        return tuple(load_rule_paths(existing))
    except RuleError as error:
        raise ConfigError(str(error)) from error


# -- settings -----------------------------------------------------------------------------------------------------
def _resolve(folder: str, path: str) -> str:
    """A path from the configuration, relative to its folder, as the run uses it."""
    from linter.discover import display

    expanded = os.path.expanduser(path)
    return expanded if os.path.isabs(expanded) else display(os.path.join(folder or ".", expanded))


def _size(value: int | str) -> int:
    """Bytes from an integer or a size such as `10MB`, `512 KiB`, `1.5G` (K, M, G are powers of 1024)."""
    if isinstance(value, int):
        return value
    match = re.fullmatch(_SIZE, value)
    if match is None:
        return 0
    return int(float(match.group(1)) * _UNITS[match.group(2).lower()])


def _rules(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(value.strip().upper() for value in values)


def _strings(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(value.strip() for value in values)


def _settings(document: _Document) -> Settings:
    data = document.data
    folder = os.path.dirname(document.path)
    identity = data.get("identity", {})
    aliases = data.get("exchange-online", {}).get("aliases", {})
    defaults = Settings()
    suppress = tuple(
        Suppression(
            rule=entry["rule"].strip().upper(),
            record=entry["record"].strip(),
            reason=entry["reason"].strip(),
            source=Position(document.path, document.locate(("suppress", index))[0], 1),  # SN004 points at the line
        )
        for index, entry in enumerate(data.get("suppress", ()))
    )
    return Settings(
        select=_rules(data.get("select", ())),
        ignore=_rules(data.get("ignore", ())),
        per_path_ignores={glob: _rules(rules) for glob, rules in data.get("per-path-ignores", {}).items()},
        severity={rule.upper(): Severity(level) for rule, level in data.get("severity", {}).items()},
        fail_on=Severity(data.get("fail-on", defaults.fail_on.value)),
        require_exports=data.get("require-exports", defaults.require_exports),
        exclude=_strings(data.get("exclude", ())),
        respect_gitignore=data.get("respect-gitignore", defaults.respect_gitignore),
        oauth_fields=_strings(identity.get("oauth-fields", defaults.oauth_fields)),
        equivalent_domains=tuple(
            tuple(domain.strip().lstrip("@") for domain in group) for group in identity.get("equivalent-domains", ())
        ),
        alias_ids=_strings(aliases.get("ids", ())),
        alias_names=_strings(aliases.get("names", ())),
        mailbox_aliases=_strings(aliases.get("mailbox", ())),
        suppress=suppress,
        rule_paths=tuple(_resolve(folder, path) for path in data.get("rule-paths", ())),
        secret_fields=_strings(data.get("secret-fields", ())),
        context=tuple(_resolve(folder, path) for path in data.get("context", ())),
        tables=tuple((glob, table) for glob, table in data.get("tables", {}).items()),
        max_file_size=_size(data["max-file-size"]) if "max-file-size" in data else defaults.max_file_size,
        max_depth=data.get("max-depth", defaults.max_depth),
        jobs=data.get("jobs", defaults.jobs),
        config_path=document.path,
        root=folder or ".",
    )
