"""The text report: `path:line:col: RULE severity: message`, related locations as `note:` lines, a source
excerpt with a caret where the line is short and holds nothing secret, and a summary line."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable

from linter.model import Finding, Severity
from linter.report import summary_counts
from linter.report.escape import printable

_SECRETISH = re.compile(r"(?i)pass|secret|token|key|cred|pin|\ufdde")
# A line that holds exactly one field (an XML element, a YAML key or a JSON member): its only value is the one
# the finding points at, never a neighbouring secret.
_ONE_FIELD = re.compile(r"""\s*(?:<([\w.:-]+)(?:\s[^<>]*)?>[^<>]*</\1>|[-\s]*"?[\w.-]+"?\s*:\s*[^,{}\[\]#]*,?)\s*""")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
MAX_EXCERPT = 160
MAX_FILE = 4 * 1024 * 1024


class Style:
    """ANSI styling, or none. colorama is loaded only when color is on (it makes Windows consoles ANSI-aware)."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        if enabled:
            import colorama

            if hasattr(colorama, "just_fix_windows_console"):
                colorama.just_fix_windows_console()

    def __call__(self, text: str, *codes: str) -> str:
        if not self.enabled or not codes:
            return text
        return "\x1b[" + ";".join(codes) + "m" + text + "\x1b[0m"


COLORS = {Severity.ERROR: ("1", "31"), Severity.WARNING: ("1", "33"), Severity.INFO: ("1", "36")}


def _excerpt(path: str, line: int, cache: dict[str, list[str] | None]) -> str | None:
    """The source line, when it is short and holds nothing that looks secret (else None)."""
    if path not in cache:
        try:
            if not os.path.isfile(path) or os.path.getsize(path) > MAX_FILE:  # never open a FIFO or device
                cache[path] = None
            else:
                with open(path, encoding="utf-8", errors="replace", newline="") as handle:
                    cache[path] = handle.read().split("\n")
        except OSError:
            cache[path] = None
    lines = cache[path]
    if not lines or line > len(lines):
        return None
    text = lines[line - 1].rstrip("\r").lstrip("\ufeff")
    if len(text) > MAX_EXCERPT or _SECRETISH.search(text) or _CONTROL.search(text) or not _ONE_FIELD.fullmatch(text):
        return None
    return text


def render(findings: Iterable[Finding], files: int, color: bool = False, excerpts: bool = True) -> str:
    style = Style(color)
    out: list[str] = []
    cache: dict[str, list[str] | None] = {}
    items = list(findings)
    for item in items:
        where = style(printable(str(item.position)), "1")
        severity = style(item.severity.value, *COLORS[item.severity])
        out.append(f"{where}: {style(item.rule, '1')} {severity}: {printable(item.message)}")
        if excerpts and not item.sensitive:
            text = _excerpt(item.position.path, item.position.line, cache)
            if text is not None:
                width = max(1, (item.position.end_column - item.position.column)
                            if item.position.end_line == item.position.line else 1)
                out.append(f"    {text}")
                out.append("    " + " " * (item.position.column - 1) + style("^" + "~" * (width - 1), "32"))
        for other in item.related:
            out.append(f"    {style('note', '1', '36')}: {printable(str(other.position))}: {printable(other.message)}")
    counts = summary_counts(items)
    if items:
        parts = [f"{counts['errors']} error(s)", f"{counts['warnings']} warning(s)"]
        if counts["infos"]:
            parts.append(f"{counts['infos']} info(s)")
        out.append(f"Found {', '.join(parts)} in {files} file(s).")
    else:
        out.append(style(f"No problems found in {files} file(s).", "32"))
    return "\n".join(out) + "\n"
