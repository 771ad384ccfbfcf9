"""Settings of one run: the configuration file's values with the command line's on top (defaults here)."""

from __future__ import annotations

from dataclasses import dataclass, field

from linter.model import Position, Severity
from linter.read.base import MIB


@dataclass(frozen=True)
class Suppression:
    rule: str  # a rule id or prefix
    record: str  # a sys_id or record name
    reason: str
    source: Position | None = None  # the entry in the configuration file, where SN004 reports it unused


@dataclass
class Settings:
    select: tuple[str, ...] = ()  # rule ids or prefixes; empty: all
    ignore: tuple[str, ...] = ()
    per_path_ignores: dict[str, tuple[str, ...]] = field(default_factory=dict)  # glob -> rule ids or prefixes
    severity: dict[str, Severity] = field(default_factory=dict)  # rule id -> severity override
    fail_on: Severity = Severity.ERROR
    exclude: tuple[str, ...] = ()  # globs, also for files given explicitly
    oauth_fields: tuple[str, ...] = ("u_authorized_as",)
    equivalent_domains: tuple[tuple[str, ...], ...] = ()  # groups of domains of one tenant
    alias_ids: tuple[str, ...] = ()  # extra alias id prefixes that mark Exchange Online aliases
    alias_names: tuple[str, ...] = ()
    mailbox_aliases: tuple[str, ...] = ()  # markers of Mailbox aliases (id or name contains)
    suppress: tuple[Suppression, ...] = ()
    rule_paths: tuple[str, ...] = ()
    secret_fields: tuple[str, ...] = ()  # extra secret field names for CRD002
    context: tuple[str, ...] = ()  # paths read for cross-file resolution when files are given (pre-commit)
    tables: tuple[tuple[str, str], ...] = ()  # (gitignore-style glob, table) for exports that do not name their table
    max_file_size: int = 1024 * MIB
    max_depth: int = 500
    jobs: int = 0  # reader processes; 0: decide from the number of files
    cache: bool = True  # cache the records of context files (by size and mtime)
    config_path: str = ""  # the configuration file used, if any
    root: str = "."  # the directory paths in output are relative to (the configuration's folder or cwd)

    def equivalence_map(self) -> dict[str, str]:
        """Each configured domain mapped to its group's first domain (normalised)."""
        from linter.identity import normalize

        mapping: dict[str, str] = {}
        for group in self.equivalent_domains:
            canonical = normalize(group[0])
            for domain in group:
                mapping[normalize(domain)] = canonical
        return mapping
