"""snlint's own JSON schemas (configuration, credential exports, rule files): each loaded from the package with
importlib.resources and made into a validator once; a violation located in the document and worded for people.

jsonschema is imported only when a document is validated (~45 ms of start-up). The callers word what is theirs to
word (a configuration key with its description, an export's record without its secret values); the place of a
violation, the alternative a oneOf/anyOf document meant and the words for a value's kind are decided here.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from functools import cache
from typing import Any

Locate = Callable[[Sequence[object]], tuple[int, int]]  # a key path -> (line, column) of its value (or of its key)

KINDS = {dict: "a mapping", list: "a list", str: "text", bool: "true/false", int: "a number", float: "a number"}


def validator(name: str, package: str = "linter.schemas") -> Any:
    """The validator of the schema `name` shipped in `package`."""
    from importlib import resources

    return validator_of(resources.files(package).joinpath(name).read_text(encoding="utf-8"))


@cache
def validator_of(text: str) -> Any:
    """The validator of a schema's JSON text (Draft 2020-12, formats checked), built once per schema."""
    import jsonschema  # type: ignore[import-untyped,unused-ignore]

    schema = json.loads(text)
    return jsonschema.Draft202012Validator(
        _inline_refs(schema, schema.get("$defs", {})), format_checker=jsonschema.FormatChecker()
    )


def _inline_refs(schema: object, definitions: Mapping[str, Any]) -> Any:
    """The schema with each `{"$ref": "#/$defs/x", ...}` replaced by `{"allOf": [x], ...}`, which 2020-12 defines
    as the same thing: looking a reference up costs jsonschema more than checking a record (40% of the time of a
    large export). snlint's schemas have no recursive references."""
    if isinstance(schema, list):
        return [_inline_refs(item, definitions) for item in schema]
    if not isinstance(schema, dict):
        return schema
    inlined = {key: _inline_refs(value, definitions) for key, value in schema.items() if key != "$ref"}
    reference = schema.get("$ref")
    if isinstance(reference, str) and reference.startswith("#/$defs/"):
        inlined["allOf"] = [_inline_refs(definitions[reference.removeprefix("#/$defs/")], definitions)]
    return inlined


def error_position(error: Any, locate: Locate, locate_key: Locate) -> tuple[int, int]:
    """Where a violation is: the offending key for a bad or unknown key, for a discriminator no alternative
    accepts and for a key with no value; else the offending value."""
    error = intended_error(error)
    path = list(error.absolute_path)
    if "propertyNames" in error.relative_schema_path:
        return locate_key([*path, error.instance])
    discriminator = _discriminator(error)
    if discriminator is not None:
        return locate([*path, discriminator[0]])
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        extra = sorted(set(error.instance) - set(error.schema.get("properties", {})), key=str)
        if extra:
            return locate_key([*path, extra[0]])
    if error.instance is None and path:
        return locate_key(path)
    return locate(path)


def intended_error(error: Any) -> Any:
    """For a oneOf/anyOf violation, the error inside the alternative the document meant, else `error` itself.

    The meant alternative is the only one whose discriminators (`const` / `enum` of a direct key, such as a rule
    check's `kind`) match: `check: {kind: field}` without `field` is then "'check': 'field' is required" instead of
    "... is not valid under any of the given schemas" with the whole mapping dumped.
    """
    while error.validator in ("oneOf", "anyOf") and error.context:
        branches: dict[object, list[Any]] = {}
        for sub in error.context:
            branches.setdefault(sub.relative_schema_path[0] if sub.relative_schema_path else 0, []).append(sub)
        meant = [
            errors
            for errors in branches.values()
            if not any(sub.validator in ("const", "enum") and len(sub.relative_path) <= 1 for sub in errors)
        ]
        if len(meant) != 1 or len(branches) < 2:
            break
        error = min(meant[0], key=lambda sub: (len(sub.relative_path), [str(part) for part in sub.relative_path]))
    return error


def _discriminator(error: Any) -> tuple[object, list[object]] | None:
    """For a oneOf/anyOf that no alternative's discriminator matches: that key and the values it may take."""
    if error.validator not in ("oneOf", "anyOf") or not error.context or not isinstance(error.instance, dict):
        return None
    keys: set[object] = set()
    options: list[object] = []
    branches = {sub.relative_schema_path[0] for sub in error.context if sub.relative_schema_path}
    failed: set[object] = set()
    for sub in error.context:
        if sub.validator in ("const", "enum") and len(sub.relative_path) == 1:
            keys.add(sub.relative_path[0])
            failed.add(sub.relative_schema_path[0])
            values = [sub.validator_value] if sub.validator == "const" else list(sub.validator_value)
            options.extend(value for value in values if value not in options)
    if len(keys) != 1 or failed != branches:
        return None
    return keys.pop(), options


def describe(error: Any) -> str:
    """A violation of a rule file in words a person understands (not a schema dump)."""
    error = intended_error(error)
    where = "/".join(str(part) for part in error.absolute_path)
    prefix = f"'{where}': " if where else ""
    validator = error.validator
    discriminator = _discriminator(error)
    if discriminator is not None:
        key, allowed_values = discriminator
        inner = f"'{where}/{key}': " if where else f"'{key}': "
        listed = ", ".join(repr(option) for option in allowed_values)
        return f"{inner}{error.instance.get(key)!r} is not one of {listed}"
    if validator == "additionalProperties":
        extra = sorted(set(error.instance) - set(error.schema.get("properties", {})))
        allowed = ", ".join(sorted(error.schema.get("properties", {})))
        names = ", ".join(f"'{name}'" for name in extra)
        return f"{prefix}unknown key {names}" + (f" (expected one of: {allowed})" if allowed else "")
    if validator == "required":
        return f"{prefix}{error.message.replace(' is a required property', '')} is required"
    if validator == "type":
        expected = error.validator_value
        expected = " or ".join(expected) if isinstance(expected, list) else expected
        return f"{prefix}expected {expected}, got {type(error.instance).__name__.replace('NoneType', 'null')}"
    if validator == "enum":
        options = ", ".join(repr(option) for option in error.validator_value)
        return f"{prefix}{error.instance!r} is not one of {options}"
    if validator == "pattern":
        return f"{prefix}{error.instance!r} does not match the expected form ({error.validator_value})"
    return f"{prefix}{error.message}"


def kind(value: object) -> str:
    """A value's kind in words: `a mapping`, `text`, `nothing (null)`."""
    return "nothing (null)" if value is None else KINDS.get(type(value), type(value).__name__)


def property_description(schema: object, name: str) -> str:
    """The `description` the schema gives its property `name`, or ""."""
    properties = schema.get("properties", {}) if isinstance(schema, dict) else {}
    described = properties.get(name, {}) if isinstance(properties, dict) else {}
    text = described.get("description", "") if isinstance(described, dict) else ""
    return str(text)
