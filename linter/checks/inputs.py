"""Problems the readers, the policy and the engine report about the inputs and the run itself (a file that cannot
be parsed, a suppression that matches nothing, an internal error). They are found while reading or filtering, not
by a check over records: a rule of kind `input` only binds problem kinds to its id and severity (ruleset.bind)."""

from __future__ import annotations

from collections.abc import Iterator

from linter.checks import Context, Kind
from linter.model import Finding, Rule

# What each component reports; a rule file binds each kind (at most once) to a rule.
PROBLEMS = {
    "unparseable": "the file or a payload in it cannot be read or parsed (read/base.py unparseable)",
    "refused": "input refused for safety or size (read/base.py refused)",
    "schema": "a YAML / JSON export does not follow the documented format (read/yaml.py)",
    "internal": "snlint failed while reading a file or running a rule (engine.py)",
    "unused-suppression": "a suppression matches no finding (policy.py)",
    "missing-reason": "an inline suppression gives no reason (policy.py)",
}


def input_problems(rule: Rule, context: Context) -> Iterator[Finding]:
    """Reports the problem kinds listed in `problems`, found while reading the inputs or applying the
    configuration: unparseable, refused, schema, internal, unused-suppression, missing-reason."""
    return iter(())


KINDS = (
    Kind(
        "input",
        input_problems,
        {"problems": {"type": "array", "items": {"enum": list(PROBLEMS)}, "minItems": 1, "uniqueItems": True}},
        ("problems",),
    ),
)
