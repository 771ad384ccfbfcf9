"""The text report: `path:line:col: RULE severity: message`, related locations as `note:` lines, a source
excerpt with a caret where the line is short and holds nothing secret, and a summary line."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable

from linter.escape import printable
from linter.model import Finding, Severity
from linter.report import Report, summary_counts

# Patterns, compiled (and cached by `re`) when a source line is first shown: a run without findings never needs
# them, and compiling them cost ~0.4 ms of every start.
_SECRETISH = r"(?i)pass|secret|token|key|cred|pin|\ufdde"
# A line that holds exactly one field (an XML element, a YAML key or a JSON member): its only value is the one
# the finding points at, never a neighbouring secret.
_ONE_FIELD = r"""\s*(?:<([\w.:-]+)(?:\s[^<>]*)?>[^<>]*</\1>|[-\s]*"?[\w.-]+"?\s*:\s*[^,{}\[\]#]*,?)\s*"""
_CONTROL = r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]"
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


def _excerpt(path: str, line: int, cache: dict[str, list[str] | None], secrets: Iterable[str]) -> str | None:
    """The source line, when it is short and holds nothing that looks secret nor names a secret field."""
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
    if len(text) > MAX_EXCERPT or re.search(_SECRETISH, text) or re.search(_CONTROL, text) or not re.fullmatch(
        _ONE_FIELD, text
    ):
        return None
    lowered = text.lower()
    if any(name in lowered for name in secrets):  # a configured `secret-fields` name, whatever it is called
        return None
    return text


def finding_lines(item: Finding, style: Style, excerpt: str | None) -> list[str]:
    """One finding: its `path:line:col: RULE severity: message` line, the source excerpt, its notes."""
    where = style(printable(str(item.position)), "1")
    severity = style(item.severity.value, *COLORS[item.severity])
    out = [f"{where}: {style(item.rule, '1')} {severity}: {printable(item.message)}"]
    if excerpt is not None:
        end = item.position.end
        width = end[1] - item.position.column if end and end[0] == item.position.line else 1
        out.append(f"    {excerpt}")
        out.append("    " + " " * (item.position.column - 1) + style("^" + "~" * (max(1, width) - 1), "32"))
    for other in item.related:
        out.append(f"    {style('note', '1', '36')}: {printable(str(other.position))}: {printable(other.message)}")
    return out


def render(report: Report) -> str:
    style = Style(report.color)
    out: list[str] = []
    cache: dict[str, list[str] | None] = {}
    secrets = sorted({name.lower() for name in report.secret_fields})
    for item in report.findings:
        excerpt = None if item.sensitive else _excerpt(item.position.path, item.position.line, cache, secrets)
        out += finding_lines(item, style, excerpt)
    counts = summary_counts(report.findings)
    if report.quiet:
        pass  # findings only
    elif report.findings:
        parts = [f"{counts['errors']} error(s)", f"{counts['warnings']} warning(s)"]
        if counts["infos"]:
            parts.append(f"{counts['infos']} info(s)")
        out.append(f"Found {', '.join(parts)} in {report.files} file(s).")
    else:
        out.append(style(f"No problems found in {report.files} file(s).", "32"))
    return "".join(line + "\n" for line in out)


def statistics(report: Report) -> str:
    """`--statistics`: the number of findings per rule, most frequent first (as `ruff --statistics`)."""
    from collections import Counter

    counts = Counter(item.rule for item in report.findings)
    severities = {item.rule: item.severity.value for item in report.findings}
    names = {rule_id: rule.name for rule_id, rule in report.rules.items()}
    width = max((len(str(count)) for count in counts.values()), default=1)
    return "".join(
        f"{count:>{width}}\t{rule}\t{severities[rule]}\t{names.get(rule, '')}\n"
        for rule, count in sorted(counts.items(), key=lambda pair: (-pair[1], pair[0]))
    )
