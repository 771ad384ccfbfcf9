"""Baselines for adopting snlint on an existing repository: record today's findings, report only new ones.

A baseline is a small JSON file of sorted entries `{rule, path, fingerprint}`. The fingerprint hashes the
rule and the records and fields involved (never a message, a value or a line number), so entries survive moved
lines and re-exports. Paths are stored relative to the baseline file's folder, so the baseline matches
whatever the current directory of a later run is.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Iterable

from linter.discover import display
from linter.files import write_atomic
from linter.model import Finding, fingerprint

VERSION = 1
Entry = tuple[str, str, str]  # (rule, path, fingerprint)


class BaselineError(Exception):
    """A baseline file that cannot be read or is not a snlint baseline (the message names the file)."""


def _path(path: str, folder: str) -> str:
    """A finding's path relative to the baseline's folder, with / separators."""
    try:
        return display(os.path.relpath(os.path.abspath(path), folder))
    except ValueError:  # another drive (Windows)
        return display(path)


def _folder(baseline: str) -> str:
    return os.path.dirname(os.path.abspath(baseline))


def entries(findings: Iterable[Finding], baseline: str) -> list[Entry]:
    folder = _folder(baseline)
    return [(item.rule, _path(item.position.path, folder), fingerprint(item)) for item in findings]


def write_baseline(path: str, findings: Iterable[Finding]) -> int:
    """Write the baseline of `findings` to `path` (atomically); returns the number of entries."""
    rows = sorted(entries(findings, path))
    document = {
        "version": VERSION,
        "tool": "snlint",
        "entries": [{"rule": rule, "path": where, "fingerprint": digest} for rule, where, digest in rows],
    }
    write_atomic(path, json.dumps(document, indent=2, ensure_ascii=False) + "\n")
    return len(rows)


def read_baseline(path: str) -> Counter[Entry]:
    """The entries of a baseline file, counted (two identical findings are two entries)."""
    try:
        with open(path, encoding="utf-8") as handle:
            document = json.load(handle)
    except OSError as error:
        raise BaselineError(f"{path}: cannot read baseline: {error.strerror or error}") from error
    except (UnicodeDecodeError, ValueError) as error:
        raise BaselineError(f"{path}: not a snlint baseline (invalid JSON: {error})") from error
    if not isinstance(document, dict) or document.get("version") != VERSION:
        raise BaselineError(f"{path}: not a snlint baseline (expected an object with \"version\": {VERSION})")
    rows = document.get("entries")
    if not isinstance(rows, list):
        raise BaselineError(f"{path}: not a snlint baseline (\"entries\" must be a list)")
    counted: Counter[Entry] = Counter()
    for number, row in enumerate(rows, start=1):
        values = [row.get(name) for name in ("rule", "path", "fingerprint")] if isinstance(row, dict) else []
        strings = [value for value in values if isinstance(value, str) and value]
        if len(strings) != 3:
            raise BaselineError(f"{path}: entry {number} needs the strings rule, path and fingerprint")
        counted[(strings[0], strings[1], strings[2])] += 1
    return counted


def filter_baseline(
    path: str, findings: Iterable[Finding], scope: Iterable[str] | None = None
) -> tuple[list[Finding], int]:
    """The findings not recorded in the baseline at `path`, and how many baseline entries matched no finding.

    `scope`, the files a run linted when it was given files (pre-commit), limits the unmatched count to the
    entries of those files: the other entries were not checked, so they are not stale.
    """
    remaining = read_baseline(path)
    items = list(findings)
    new: list[Finding] = []
    for item, entry in zip(items, entries(items, path), strict=True):
        if remaining[entry] > 0:
            remaining[entry] -= 1
        else:
            new.append(item)
    if scope is not None:
        folder = _folder(path)
        linted = {_path(name, folder) for name in scope}
        return new, sum(count for (_, where, _), count in remaining.items() if where in linted)
    return new, sum(remaining.values())
