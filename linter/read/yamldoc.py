"""YAML (and JSON, which is YAML) documents as plain data plus the line and column of every value and key.

Built on ruamel.yaml's composer, so nothing is ever constructed from a tag, anchors and aliases are refused
(an alias bomb is never expanded), and nesting is capped. Used for credential exports, configuration files and
rule files alike; ruamel.yaml is imported only when one of those is read.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

Path = tuple[object, ...]
Locate = Callable[[Sequence[object]], tuple[int, int]]

_SCALARS: dict[str, Callable[[str], object]] = {}


class YamlProblem(Exception):
    """The text cannot be used: `refused` marks safety refusals (SN002), otherwise a syntax error (SN001)."""

    def __init__(self, message: str, line: int, column: int, refused: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column
        self.refused = refused


def _mark(node: Any) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


def _end(node: Any) -> tuple[int, int]:
    return node.end_mark.line + 1, node.end_mark.column + 1


@dataclass
class Detail:
    """Opt-in extras of `load_yaml_document` (pass one to have it filled) for readers that need more than starts.

    `ends`: where each value ends (1-based, exclusive). `plain`: the text as written of every unquoted scalar
    (so `1.10` stays "1.10" although the data holds 1.1). `scalars`: (start, end) of every scalar, keys
    included, to tell a `#` inside a value from a comment.
    """

    ends: dict[Path, tuple[int, int]] = field(default_factory=dict)
    plain: dict[Path, str] = field(default_factory=dict)
    scalars: list[tuple[tuple[int, int], tuple[int, int]]] = field(default_factory=list)

    def inside_scalar(self, line: int, column: int) -> bool:
        """True when (line, column) falls within a scalar's text (a quoted or multi-line value, a key)."""
        point = (line, column)
        return any(start <= point < end for start, end in self.scalars)


def _scalar(node: Any) -> object:
    tag = node.tag.value if hasattr(node.tag, "value") else str(node.tag)
    text: str = node.value
    if tag.endswith(":null"):
        return None
    if tag.endswith(":bool"):
        return text.lower() in ("true", "yes", "on")
    if tag.endswith(":int"):
        try:
            return int(text.replace("_", ""), 0)
        except ValueError:
            return text
    if tag.endswith(":float"):
        try:
            return float(text.replace("_", ""))
        except ValueError:
            return text
    return text


def load_yaml_document(
    text: str, name: str, max_depth: int = 100, detail: Detail | None = None
) -> tuple[Any, Locate]:
    """Parse one YAML/JSON document; return plain data and `locate(path) -> (line, column)` (1-based).

    With `detail`, also record where values end and the written text of plain scalars (see Detail).
    """
    from ruamel.yaml import YAML
    from ruamel.yaml.composer import Composer
    from ruamel.yaml.error import MarkedYAMLError, YAMLError

    class _NoAliasComposer(Composer):  # type: ignore[misc,unused-ignore]
        def return_alias(self, node: Any) -> Any:
            line, column = _mark(node)
            raise YamlProblem(
                "YAML anchors and aliases are refused (an alias can expand into an enormous document)",
                line,
                column,
                refused=True,
            )

    yaml = YAML(typ="rt", pure=True)
    yaml.Composer = _NoAliasComposer
    yaml.max_depth = max_depth
    try:
        node = yaml.compose(text)
    except YamlProblem:
        raise
    except MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
        refused = "maximum depth" in str(error.problem or "")
        message = str(error.problem or error.context or "invalid YAML").strip()
        if refused:
            message = f"nesting deeper than {max_depth} levels: refused"
        raise YamlProblem(message, line, column, refused) from error
    except (YAMLError, RecursionError) as error:
        reason = str(error).splitlines()[0] if str(error) else "unreadable"
        raise YamlProblem(f"invalid YAML: {reason}", 1, 1) from error
    positions: dict[Path, tuple[int, int]] = {}
    keys: dict[Path, tuple[int, int]] = {}

    def build(current: Any, path: Path) -> object:
        positions[path] = _mark(current)
        kind = current.id
        if detail is not None:
            detail.ends[path] = _end(current)
            if kind == "scalar":
                detail.scalars.append((positions[path], detail.ends[path]))
                if current.style is None:
                    detail.plain[path] = current.value
        if kind == "scalar":
            return _scalar(current)
        if kind == "sequence":
            return [build(item, (*path, index)) for index, item in enumerate(current.value)]
        mapping: dict[object, object] = {}
        for key_node, value_node in current.value:
            key = _scalar(key_node) if key_node.id == "scalar" else str(key_node.value)
            if key in mapping:
                line, column = _mark(key_node)
                raise YamlProblem(f"duplicate key '{key}'", line, column)
            child = (*path, key)
            keys[child] = _mark(key_node)
            if detail is not None and key_node.id == "scalar":
                detail.scalars.append((_mark(key_node), _end(key_node)))
            mapping[key] = build(value_node, child)
        return mapping

    data = build(node, ()) if node is not None else None

    def locate(path: Sequence[object]) -> tuple[int, int]:
        """The value at `path`, or its key when asked for the key (a path that ends past an existing key)."""
        at = tuple(path)
        while at:
            if at in positions:
                return positions[at]
            if at in keys:
                return keys[at]
            at = at[:-1]
        return positions.get((), (1, 1))

    locate.keys = keys  # type: ignore[attr-defined]
    return data, locate


def key_position(locate: Locate, path: Sequence[object]) -> tuple[int, int]:
    """The position of the key that holds `path` (falls back to the value)."""
    keys: dict[Path, tuple[int, int]] = getattr(locate, "keys", {})
    return keys.get(tuple(path)) or locate(path)


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


def schema_error_message(error: Any) -> str:
    """A jsonschema ValidationError in words a person understands (not a schema dump)."""
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


def error_position(locate: Locate, error: Any) -> tuple[int, int]:
    """Where a schema violation is: the offending key for an unknown key, else the offending value."""
    error = intended_error(error)
    path = list(error.absolute_path)
    discriminator = _discriminator(error)
    if discriminator is not None:
        return locate([*path, discriminator[0]])
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        extra = sorted(set(error.instance) - set(error.schema.get("properties", {})), key=str)
        if extra:
            return key_position(locate, [*path, extra[0]])
    return locate(path)
