"""YAML and Table-API JSON credential exports (placeholder until implemented)."""

from __future__ import annotations

from linter.read.base import ReadOptions, ReadResult


def read_yaml(path: str, options: ReadOptions, fd: int, size: int, explicit: bool = False) -> ReadResult:
    return ReadResult(is_export=False)
