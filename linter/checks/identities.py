"""The declarative identity check for a team's own rules: field F of a record must name the same Microsoft
account as field G of the record its reference field R points to (graded like the Exchange Online pairs)."""

from __future__ import annotations

from collections.abc import Iterator

from linter.checks import Context, Kind, finding, named_tables
from linter.identity import UPN, Verdict, from_recorded, grade, lookalike_characters, parse_user
from linter.model import Finding, Rule
from linter.resolve import reference_ids

REPORTED = {
    "differs": {Verdict.DIFFERS},
    "may_differ": {Verdict.MAYBE, Verdict.LOOKALIKE},
    "not_comparable": {Verdict.NOT_COMPARABLE},
}


def same_account_by_reference(rule: Rule, context: Context) -> Iterator[Finding]:
    """Field `field` of `tables` must name the same account as field `other-field` of the record that `reference`
    points to (in `other-tables`); `report` lists the outcomes reported (default: differs)."""
    check = rule.check
    name, reference, other_name = check["field"], check["reference"], check["other-field"]
    reported = {verdict for outcome in check.get("report", ["differs"]) for verdict in REPORTED[outcome]}
    equivalent = context.profile.equivalent_domains
    for record in context.bundle.table(*check["tables"]):
        value = record.get(name)
        if value is None or not value.text.strip():
            continue
        for target in reference_ids(record.get(reference)):
            other = context.bundle.get(target)
            if other is None or other.table not in check["other-tables"]:
                continue
            other_value = other.get(other_name)
            if other_value is None or not other_value.text.strip():
                continue
            mine, theirs = parse_user(value.text), from_recorded(other_value.text)
            verdict = grade(mine, theirs, equivalent) if theirs.shape == UPN or mine.shape == UPN else None
            if verdict is None or verdict not in reported:
                continue
            words = verdict.value
            if verdict is Verdict.LOOKALIKE:  # equal only under full case folding or NFKC: say where
                words = f"may differ (look-alike: {', '.join(lookalike_characters(mine.text, theirs.text))})"
            yield finding(
                rule,
                f"{record.table} {record.label} field '{name}' ('{mine.text}') {words} "
                f"from {other.table} {other.label} field '{other_name}' ('{theirs.text}'), which must be the same "
                "account",
                value,
                [record, other],
                [(other_value, f"{other.table} {other.label} field '{other_name}'")],
                key=f"{rule.id}:{record.sys_id}:{name}:{other.sys_id}",
            )


KINDS = (
    Kind(
        "same_account",
        same_account_by_reference,
        {
            "tables": {"type": "array", "items": {"type": "string"}, "minItems": 1},
            "field": {"type": "string", "minLength": 1},
            "reference": {"type": "string", "minLength": 1},
            "other-field": {"type": "string", "minLength": 1},
            "other-tables": {"type": "array", "items": {"type": "string"}, "minItems": 1},
            "report": {"type": "array", "items": {"enum": sorted(REPORTED)}, "minItems": 1},
        },
        ("tables", "field", "reference", "other-field", "other-tables"),
        tables=named_tables,
    ),
)
