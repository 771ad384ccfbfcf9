"""Configuration: find and validate `.snlint.yaml` or `[tool.snlint]` in pyproject.toml (placeholder: defaults)."""

from __future__ import annotations

from linter.settings import Settings


class ConfigError(Exception):
    """An invalid configuration: the message names the file, line and problem."""


def load_settings(path: str | None = None, isolated: bool = False) -> Settings:
    return Settings()
