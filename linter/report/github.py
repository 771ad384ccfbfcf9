"""The GitHub Actions report: one `::error` / `::warning` / `::notice` workflow command per finding, which
GitHub shows as an annotation on the line (related locations become `note:` lines of the message)."""

from __future__ import annotations

from collections.abc import Iterable

from linter.model import Finding, Severity

COMMANDS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def escape_data(text: str) -> str:
    """A command's message, escaped as @actions/core does (`%`, CR and LF)."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """A command's property value, escaped as @actions/core does (also `:` and `,`, the separators)."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(item: Finding) -> str:
    position = item.position
    properties = [("file", position.path), ("line", str(position.line)), ("col", str(position.column))]
    if position.end_line >= position.line > 0:
        properties.append(("endLine", str(position.end_line)))
        if position.end_column > 0:
            properties.append(("endColumn", str(position.end_column)))
    properties.append(("title", item.rule))
    notes = [f"note: {other.position}: {other.message}" for other in item.related]
    message = "\n".join([item.message, *notes])
    joined = ",".join(f"{name}={escape_property(value)}" for name, value in properties)
    return f"::{COMMANDS[item.severity]} {joined}::{escape_data(message)}"


def render(findings: Iterable[Finding]) -> str:
    lines = [command(item) for item in findings]
    return "".join(line + "\n" for line in lines)
