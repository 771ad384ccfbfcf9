"""Which findings a run reports: select / ignore (ids or prefixes), per-path ignores, severity overrides and
record suppressions with their reasons; unused or reason-less suppressions are findings themselves."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence

from linter.model import Finding, Position, Rule
from linter.read.base import InlineIgnore
from linter.ruleset import bound_rule
from linter.settings import Settings


def matches(rule_id: str, selectors: Iterable[str]) -> bool:
    return any(rule_id == s or (s and rule_id.startswith(s)) or s == "ALL" for s in selectors)


def check_selectors(rules: Mapping[str, Rule], settings: Settings) -> None:
    """A selector that names no rule is a typo that would silently switch checks off: a usage error."""
    from linter.ruleset import RuleError

    for selector in (*settings.select, *settings.ignore):
        if selector != "ALL" and not any(matches(rule_id, [selector]) for rule_id in rules):
            raise RuleError(f"unknown rule or prefix '{selector}' in select / ignore (see 'snlint rules')")


def active_rules(rules: Mapping[str, Rule], settings: Settings) -> dict[str, Rule]:
    """The rules a run executes: selected (all by default) and not ignored."""
    return {
        rule_id: rule
        for rule_id, rule in rules.items()
        if (not settings.select or matches(rule_id, settings.select)) and not matches(rule_id, settings.ignore)
    }


def apply(
    findings: Iterable[Finding],
    rules: Mapping[str, Rule],
    settings: Settings,
    ignores: Sequence[InlineIgnore] = (),
    whole_run: bool = True,
    always: frozenset[str] = frozenset(),
) -> list[Finding]:
    """Filter and re-grade findings as configured (`always`: rule ids reported even when not selected); add
    findings for unused or reason-less suppressions (problem kinds `unused-suppression`, `missing-reason`).

    A suppression is reported unused only when it could have matched: its rule ran, and (for configuration
    entries) the run covered every file (`whole_run`), not only the files named on the command line.
    """
    kept: list[Finding] = []
    used: set[int] = set()
    per_path = settings.per_path_filters()
    findings = [item for item in findings if item.rule in rules or item.rule in always]
    inline = _inline_hits(findings, ignores)
    inline_used = set(inline.values())
    for number, item in enumerate(findings):
        if number in inline:
            continue
        if any(matches(item.rule, ids) and paths.matches(item.position.path) for paths, ids in per_path):
            continue
        hit = next(
            (
                index
                for index, entry in enumerate(settings.suppress)
                if matches(item.rule, [entry.rule]) and entry.record in item.record_ids
            ),
            None,
        )
        if hit is not None:
            used.add(hit)
            continue
        severity = settings.severity.get(item.rule)
        if severity is not None and severity != item.severity:
            item = item._replace(severity=severity)
        kept.append(item)
    unused, reasonless = bound_rule(rules, "unused-suppression"), bound_rule(rules, "missing-reason")
    if unused is not None and whole_run:
        for index, entry in enumerate(settings.suppress):
            if index not in used and any(matches(rule_id, [entry.rule]) for rule_id in rules):
                kept.append(
                    Finding(
                        unused.id,
                        settings.severity.get(unused.id, unused.severity),
                        f"suppression of {entry.rule} for record '{entry.record}' matches no finding: remove it",
                        entry.source or Position(settings.config_path or ".", 1, 1),
                        key=f"{unused.id}:{entry.rule}:{entry.record}",
                    )
                )
    for index, ignore in enumerate(ignores):
        rules_text = ",".join(ignore.rules)
        if not ignore.reason and reasonless is not None:
            kept.append(
                Finding(reasonless.id, settings.severity.get(reasonless.id, reasonless.severity),
                        f"suppression of {rules_text} gives no reason: add one after the rule list",
                        ignore.position, key=f"{reasonless.id}:{ignore.position.path}:{rules_text}")
            )
        ran = any(matches(rule_id, ignore.rules) for rule_id in rules)
        if index not in inline_used and ran and unused is not None:
            first, last = ignore.lines
            where = f"on lines {first}-{last} (the update it stands before)" if ignore.last_line else (
                "on this line or the next")
            kept.append(
                Finding(unused.id, settings.severity.get(unused.id, unused.severity),
                        f"suppression of {rules_text} matches no finding {where}: remove it",
                        ignore.position, key=f"{unused.id}:{ignore.position.path}:{rules_text}")
            )
    return sorted(kept, key=Finding.sort_key)


def _inline_hits(findings: Sequence[Finding], ignores: Sequence[InlineIgnore]) -> dict[int, int]:
    """For each finding an inline suppression covers (same file, a line it covers, a rule it names), the first such
    suppression in input order: {finding number: ignore number}.

    One sweep per file over findings and suppressions in line order, so 10,000 suppressions on one line and 10,000
    findings cost n log n, not n x m: the suppressions whose span has begun wait in one heap per selector (a rule id
    or prefix; a finding looks up each prefix of its id), ordered by input order; one whose span has ended is
    dropped when it reaches the top."""
    hits: dict[int, int] = {}
    if not ignores:
        return hits
    import heapq  # only here: ~0.3 ms of start-up for runs without inline suppressions

    by_path: dict[str, list[int]] = defaultdict(list)
    for index, ignore in enumerate(ignores):
        by_path[ignore.position.path].append(index)
    order = sorted(
        (number for number, item in enumerate(findings) if item.position.path in by_path),
        key=lambda number: (findings[number].position.path, findings[number].position.line),
    )
    path = ""
    pending: list[int] = []  # this file's suppressions not yet begun, by first line (last item first)
    waiting: dict[str, list[int]] = {}
    for number in order:
        position = findings[number].position
        if position.path != path:
            path = position.path
            pending = sorted(by_path[path], key=lambda index: ignores[index].position.line, reverse=True)
            waiting = defaultdict(list)
        while pending and ignores[pending[-1]].position.line <= position.line:
            index = pending.pop()
            for selector in ignores[index].rules:
                heapq.heappush(waiting[selector], index)
        rule = findings[number].rule
        best: int | None = None
        for selector in (*(rule[:size] for size in range(1, len(rule) + 1)), "ALL"):
            heap = waiting.get(selector)
            while heap and ignores[heap[0]].lines[1] < position.line:
                heapq.heappop(heap)  # its span ended before this line, so before every later finding's
            if heap and (best is None or heap[0] < best):
                best = heap[0]
        if best is not None:
            hits[number] = best
    return hits

