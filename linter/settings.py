"""Settings of one run: the configuration file's values with the command line's on top (defaults here)."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, NamedTuple

from linter.model import Position, Severity
from linter.read.base import MAX_BYTES, MAX_DEPTH

if TYPE_CHECKING:
    from linter.discover import PathFilter


class Suppression(NamedTuple):
    rule: str  # a rule id or prefix
    record: str  # a sys_id or record name
    reason: str
    source: Position | None = None  # the entry in the configuration file, where SN004 reports it unused


class Settings(NamedTuple):
    select: tuple[str, ...] = ()  # rule ids or prefixes; empty: all
    ignore: tuple[str, ...] = ()
    per_path_ignores: Mapping[str, tuple[str, ...]] = MappingProxyType({})  # glob (relative to root) -> rules
    severity: Mapping[str, Severity] = MappingProxyType({})  # rule id -> severity override
    fail_on: Severity = Severity.ERROR
    require_exports: bool = False  # a run that reads no ServiceNow export fails (exit 1)
    exclude: tuple[str, ...] = ()  # gitignore globs relative to `root`, also for files given explicitly
    exclude_here: tuple[str, ...] = ()  # the same, relative to the current directory (--exclude)
    respect_gitignore: bool = True  # in a git repository, read what git tracks or would track
    oauth_fields: tuple[str, ...] = ()  # fields recording the OAuth-authorised account; empty: the spoke profile's
    equivalent_domains: tuple[tuple[str, ...], ...] = ()  # groups of domains of one tenant
    alias_ids: tuple[str, ...] = ()  # extra alias id prefixes that mark Exchange Online aliases
    alias_names: tuple[str, ...] = ()
    mailbox_aliases: tuple[str, ...] = ()  # markers of Mailbox aliases (id or name contains)
    suppress: tuple[Suppression, ...] = ()
    rule_paths: tuple[str, ...] = ()
    secret_fields: tuple[str, ...] = ()  # extra secret field names for CRD002
    context: tuple[str, ...] = ()  # paths read for cross-file resolution when files are given (pre-commit)
    tables: tuple[tuple[str, str], ...] = ()  # (gitignore-style glob, table) for exports that do not name their table
    max_file_size: int = MAX_BYTES
    max_depth: int = MAX_DEPTH
    jobs: int = 0  # reader processes; 0: decide from the number of files
    cache: bool = True  # use the on-disk cache (configuration, context records); False: read and write none
    config_path: str = ""  # the configuration file used, if any
    root: str = "."  # the directory paths in output are relative to (the configuration's folder or cwd)

    def path_filter(self) -> PathFilter:
        """The exclusions of the run: `exclude` relative to the configuration's folder, `--exclude` to here."""
        from linter.discover import PathFilter

        return PathFilter(((self.root, self.exclude), (".", self.exclude_here)))

    def per_path_filters(self) -> list[tuple[PathFilter, tuple[str, ...]]]:
        """Each `per-path-ignores` glob (relative to the configuration's folder) with its rules."""
        from linter.discover import PathFilter

        return [(PathFilter(((self.root, (glob,)),)), rules) for glob, rules in self.per_path_ignores.items()]

    def to_data(self) -> dict[str, Any]:
        """The settings as JSON data (the configuration cache), read back by `from_data`."""
        data: dict[str, Any] = self._asdict()
        data["per_path_ignores"] = dict(self.per_path_ignores)
        data["severity"] = {rule: level.value for rule, level in self.severity.items()}
        data["fail_on"] = self.fail_on.value
        data["suppress"] = [
            [entry.rule, entry.record, entry.reason, _position_data(entry.source)] for entry in self.suppress
        ]
        return data

    @classmethod
    def from_data(cls, data: object) -> Settings:
        """Settings from `to_data`'s JSON; ValueError (or TypeError, KeyError) when anything is not as written."""
        if not isinstance(data, dict) or set(data) != set(cls._fields):
            raise ValueError("not snlint settings")
        values: dict[str, Any] = {}
        defaults = cls()
        for name in cls._fields:
            value, default = data[name], getattr(defaults, name)
            if type(default) in (bool, int, str):  # (not Severity, a str of its own kind: below)
                if type(value) is not type(default):
                    raise ValueError(name)
                values[name] = value
            elif isinstance(default, tuple) and name not in ("equivalent_domains", "suppress", "tables"):
                values[name] = _strings(value)
        values["equivalent_domains"] = tuple(_strings(group) for group in _list(data["equivalent_domains"]))
        values["tables"] = tuple(_pair(pair) for pair in _list(data["tables"]))
        values["per_path_ignores"] = {_string(glob): _strings(rules) for glob, rules in _dict(data["per_path_ignores"])}
        values["severity"] = {_string(rule): Severity(level) for rule, level in _dict(data["severity"])}
        values["fail_on"] = Severity(data["fail_on"])
        values["suppress"] = tuple(
            Suppression(_string(rule), _string(record), _string(reason), _position(source))
            for rule, record, reason, source in _list(data["suppress"])
        )
        return cls(**values)

    def equivalence_map(self) -> dict[str, str]:
        """Each configured domain mapped to its group's first domain (normalised)."""
        from linter.identity import normalize

        mapping: dict[str, str] = {}
        for group in self.equivalent_domains:
            canonical = normalize(group[0])
            for domain in group:
                mapping[normalize(domain)] = canonical
        return mapping


def _string(value: object) -> str:
    if not isinstance(value, str):
        raise ValueError("expected text")
    return value


def _list(value: object) -> list[Any]:
    if not isinstance(value, list):
        raise ValueError("expected a list")
    return value


def _dict(value: object) -> list[tuple[Any, Any]]:
    if not isinstance(value, dict):
        raise ValueError("expected a mapping")
    return list(value.items())


def _strings(value: object) -> tuple[str, ...]:
    return tuple(_string(item) for item in _list(value))


def _pair(value: object) -> tuple[str, str]:
    first, second = _strings(value)
    return first, second


def _position_data(position: Position | None) -> list[object] | None:
    if position is None:
        return None
    return [position.path, position.line, position.column, position.end_line, position.end_column]


def _position(value: object) -> Position | None:
    if value is None:
        return None
    path, *numbers = _list(value)
    if len(numbers) != 4 or not all(type(number) is int for number in numbers):
        raise ValueError("expected a position")
    return Position(_string(path), *numbers)
