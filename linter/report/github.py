"""The GitHub Actions report: one `::error` / `::warning` / `::notice` workflow command per finding, which
GitHub shows as an annotation on the line (related locations become `note:` lines of the message).

Paths are relative to the repository root, as GitHub resolves them (and as SARIF writes them); a file outside
the root keeps the path it was given. Text from the inputs is escaped by `linter.escape.printable` (see
`shown`)."""

from __future__ import annotations

import re

from linter.escape import printable
from linter.model import Finding, Severity
from linter.report import Report

_LINE = re.compile(r"[^\r\n]+")
COMMANDS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def shown(text: str) -> str:
    """Text from the inputs as people may see it: the job log interprets terminal sequences, and an annotation is
    read by a reviewer; line breaks stay (escaped as the command's own `%0A` / `%0D`)."""
    return _LINE.sub(lambda line: printable(line.group()), text)


def escape_data(text: str) -> str:
    """A command's message, escaped as @actions/core does (`%`, CR and LF)."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """A command's property value, escaped as @actions/core does (also `:` and `,`, the separators)."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(item: Finding, report: Report) -> str:
    position = item.position
    path = shown(report.relative(position.path) or position.path)
    properties = [("file", path), ("line", str(position.line)), ("col", str(position.column))]
    if end := position.end:
        properties += [("endLine", str(end[0])), ("endColumn", str(end[1]))]
    properties.append(("title", item.rule))
    notes = [f"note: {report.relative(other.position.path) or other.position.path}:{other.position.line}:"
             f"{other.position.column}: {other.message}" for other in item.related]
    message = shown("\n".join([item.message, *notes]))
    joined = ",".join(f"{name}={escape_property(value)}" for name, value in properties)
    return f"::{COMMANDS[item.severity]} {joined}::{escape_data(message)}"


def render(report: Report) -> str:
    return "".join(command(item, report) + "\n" for item in report.findings)
