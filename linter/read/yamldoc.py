"""YAML (and JSON, which is YAML) documents as plain data plus the line and column of every value and key.

Built on ruamel.yaml's composer, so nothing is ever constructed from a tag, and nesting is capped. Anchors and
aliases are refused unless the caller accepts them (credential exports, after counting their expansion). Used for
credential exports, configuration files and rule files alike; ruamel.yaml is imported only when one is read.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Sequence
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


def _content_start(text: str, node: Any) -> tuple[int, int]:
    """Where a node's own text starts: ruamel.yaml starts an anchored (or tagged) node at its `&anchor` / `!tag`;
    skip those properties, and the blanks and comment after them, to the value as written."""
    mark = node.start_mark
    index = mark.index
    if index >= len(text) or text[index] not in "&!":
        return mark.line + 1, mark.column + 1
    line, start = mark.line, index - mark.column  # start: where the mark's line starts in `text`
    while index < len(text):
        char = text[index]
        if char in "&!":
            while index < len(text) and text[index] not in " \t\r\n":
                index += 1
        elif char in " \t":
            index += 1
        elif char == "#":
            while index < len(text) and text[index] not in "\r\n":
                index += 1
        elif char in "\r\n":
            index += 2 if text.startswith("\r\n", index) else 1
            line, start = line + 1, index
        else:
            break
    return line + 1, index - start + 1


class Detail:
    """Opt-in extras of `load_yaml_document` (pass one to have it filled) for readers that need more than starts.

    `ends`: where each value ends (1-based, exclusive). `plain`: the text as written of every unquoted scalar
    (so `1.10` stays "1.10" although the data holds 1.1). `scalars`: (start, end) of every scalar, keys
    included, to tell a `#` inside a value from a comment.
    """

    __slots__ = ("_starts", "ends", "plain", "scalars")

    def __init__(self) -> None:
        self.ends: dict[Path, tuple[int, int]] = {}
        self.plain: dict[Path, str] = {}
        self.scalars: list[tuple[tuple[int, int], tuple[int, int]]] = []
        self._starts: list[tuple[int, int]] = []

    def inside_scalar(self, line: int, column: int) -> bool:
        """True when (line, column) falls within a scalar's text (a quoted or multi-line value, a key).

        Scalars never overlap (one reached through an alias repeats the same span), so the only candidate is the
        last scalar starting at or before the point: a binary search, not a scan per `#`."""
        if len(self._starts) != len(self.scalars):
            self.scalars.sort()
            self._starts[:] = [start for start, _ in self.scalars]
        point = (line, column)
        index = bisect.bisect_right(self._starts, point) - 1
        return index >= 0 and point < self.scalars[index][1]


def _scalar(node: Any) -> object:
    """A scalar's value: null, a boolean, a number, else its text. A number Python cannot convert or write back
    (`0x` and 3,700 `f`: over the int/str conversion limit) keeps its text, as any unresolvable scalar does."""
    tag = node.tag.value if hasattr(node.tag, "value") else str(node.tag)
    text: str = node.value
    if tag.endswith(":null"):
        return None
    if tag.endswith(":bool"):
        return text.lower() in ("true", "yes", "on")
    if tag.endswith(":int"):
        try:
            number = int(text.replace("_", ""), 0)
            str(number)  # raises when the decimal form is over the limit: the text is kept instead
        except ValueError:
            return text
        return number
    if tag.endswith(":float"):
        try:
            return float(text.replace("_", ""))
        except ValueError:
            return text
    return text


_MERGE_TAG = "tag:yaml.org,2002:merge"
_NULL_TAG = "tag:yaml.org,2002:null"


def load_yaml_document(
    text: str,
    name: str,
    max_depth: int = 100,
    detail: Detail | None = None,
    aliases: bool = False,
    stream: bool = False,
) -> tuple[Any, Locate]:
    """Parse one YAML/JSON document; return plain data and `locate(path) -> (line, column)` (1-based).

    With `detail`, also record where values end and the written text of plain scalars (see Detail).
    `aliases`: accept anchors, aliases and `<<` merge keys (a value reached through an alias is placed at the
    anchored node's text); the caller must have bounded their expansion first (a recursive alias is refused
    here). `stream`: several documents (`---`) are read as one mapping whose lists of the same key are joined.
    """
    from ruamel.yaml.composer import Composer

    class _NoAliasComposer(Composer):  # type: ignore[misc,unused-ignore]
        def return_alias(self, node: Any) -> Any:
            line, column = _mark(node)
            raise YamlProblem(
                "YAML anchors and aliases are refused (an alias can expand into an enormous document)",
                line,
                column,
                refused=True,
            )

    composer = Composer if aliases else _NoAliasComposer
    nodes = _compose(text, composer, max_depth, stream)
    positions: dict[Path, tuple[int, int]] = {}
    keys: dict[Path, tuple[int, int]] = {}
    starts: dict[int, tuple[int, int]] = {}  # id(node) -> where its text starts (an aliased node is met again)
    building: set[int] = set()  # the nodes being built: meeting one again is a recursive alias

    def start(node: Any) -> tuple[int, int]:
        found = starts.get(id(node))
        if found is None:
            found = starts[id(node)] = _content_start(text, node)
        return found

    def pairs(node: Any) -> list[tuple[Any, Any]]:
        """A mapping's (key node, value node) pairs, `<<` merge keys expanded: the mapping's own keys win, then
        the merged mappings in order (YAML's merge key type)."""
        own = [(key, value) for key, value in node.value if key.tag != _MERGE_TAG]
        if len(own) == len(node.value):
            return own
        merged: list[tuple[Any, Any]] = []
        for key_node, value_node in node.value:
            if key_node.tag != _MERGE_TAG:
                continue
            sources = value_node.value if value_node.id == "sequence" else [value_node]
            for source in sources:
                if source.id != "mapping":
                    line, column = start(source)
                    raise YamlProblem("a `<<` merge key takes a mapping or a list of mappings", line, column)
                merged.extend(pairs(source))
        seen = {_key(key) for key, _ in own}
        for key_node, value_node in merged:
            key = _key(key_node)
            if key not in seen:
                seen.add(key)
                own.append((key_node, value_node))
        return own

    def build(current: Any, path: Path, key: tuple[int, int] | None = None) -> object:
        kind = current.id
        # An empty value (`mid_list:`) has no text: it is placed on its key, zero width. The parsers place it
        # differently (ruamel.yaml at the next token, past comments and blank lines; libyaml after the `:`).
        empty = kind == "scalar" and not current.style and not current.value
        positions[path] = key if empty and key is not None else start(current)
        if detail is not None:
            detail.ends[path] = positions[path] if empty else _end(current)
            if kind == "scalar":
                detail.scalars.append((positions[path], detail.ends[path]))
                if not current.style:  # plain: None from the pure parser, "" from libyaml
                    detail.plain[path] = current.value
        if kind == "scalar":
            return _scalar(current)
        if id(current) in building:
            line, column = positions[path]
            raise YamlProblem("a YAML alias refers to a node that contains it (endless): refused", line, column, True)
        building.add(id(current))
        try:
            if kind == "sequence":
                return [build(item, (*path, index)) for index, item in enumerate(current.value)]
            mapping: dict[object, object] = {}
            for key_node, value_node in pairs(current):
                add(mapping, key_node, value_node, path)
            return mapping
        finally:
            building.discard(id(current))

    def add(mapping: dict[object, object], key_node: Any, value_node: Any, path: Path) -> None:
        key = _key(key_node)
        if key in mapping:
            line, column = start(key_node)
            raise YamlProblem(f"duplicate key '{key}'", line, column)
        child = (*path, key)
        keys[child] = start(key_node)
        if detail is not None and key_node.id == "scalar":
            detail.scalars.append((keys[child], _end(key_node)))
        mapping[key] = build(value_node, child, keys[child])

    def join(documents: list[Any]) -> dict[object, object]:
        """Several documents as one mapping: a key's lists are joined (records numbered on), an empty value in
        a later document adds nothing; any other repeated key is a duplicate."""
        joined: dict[object, object] = {}
        for number, document in enumerate(documents, 1):
            if document.id != "mapping":
                line, column = start(document)
                raise YamlProblem(f"document {number} of the stream is not a mapping of tables", line, column)
            for key_node, value_node in pairs(document):
                key = _key(key_node)
                before = joined.get(key)
                if key not in joined or (before is None and value_node.id == "sequence"):
                    joined.pop(key, None)
                    add(joined, key_node, value_node, ())
                elif isinstance(before, list) and value_node.id == "sequence":
                    offset = len(before)
                    before.extend(
                        build(item, (key, offset + index)) for index, item in enumerate(value_node.value)
                    )
                elif not _empty(value_node):
                    add(joined, key_node, value_node, ())  # reports the duplicate key
        return joined

    if not nodes or nodes[0] is None:
        data: Any = None
    elif len(nodes) == 1:
        data = build(nodes[0], ())
    else:
        data = join(nodes)
        positions[()] = start(nodes[0])
    return data, _locator(positions, keys)


def c_parser() -> Any:
    """libyaml's parser from the optional ruamel.yaml.clib (ruamel.yaml.main.CParser), or None without it.

    Its events are ruamel.yaml's own, marks included (character index, line, column), and it reads a 1 MB export
    about 40 times faster than the pure-Python scanner and parser."""
    from ruamel.yaml import main

    return getattr(main, "CParser", None)  # None when ruamel.yaml.clib is not importable


class _Loader:
    """What ruamel.yaml's Composer asks of a loader: libyaml's events, the YAML 1.2 resolver, the depth limit."""

    def __init__(self, parser: Any, max_depth: int) -> None:
        from ruamel.yaml.resolver import VersionedResolver

        class Resolver(VersionedResolver):  # type: ignore[misc,unused-ignore]
            # YAML 1.2, as the pure parser reads text without a `%YAML` directive (text with one is read by it);
            # fixed, because looking it up on a loader costs two exceptions per node
            processing_version = (1, 2)

        self._parser = parser
        self._resolver = Resolver()
        self.max_depth = max_depth


# Text libyaml reads differently from ruamel.yaml's pure parser (found by comparing both on mutated fixtures,
# tests/test_yaml_speed.py): a `%YAML` directive (the version changes the resolver), a tab (libyaml takes it as a
# blank in more places), NEL, LS, PS (line breaks to libyaml, not to YAML 1.2: other lines and columns), a BOM
# inside the text (other columns), a lone surrogate (libyaml takes UTF-8 only), a comment straight after a block
# scalar's `|` or `>` (libyaml accepts it), an anchor or alias name with a character other than ASCII letters,
# digits, `-` and `_` (YAML 1.2 allows more; libyaml ends the name there). Such text is read by the pure parser
# only, as is text without a final line break (libyaml ends the last collection on the next line).
_PURE_ONLY = re.compile(
    r"^%|[\t\x85\u2028\u2029\ufeff\ud800-\udfff]|[|>][-+0-9]*#|(?:^|[\s\[{,])[&*][\w-]*[^\w\s\[\]{},-]",
    re.M | re.A,
)


def _libyaml_reads_alike(text: str) -> bool:
    return text.endswith(("\n", "\r")) and _PURE_ONLY.search(text) is None


def parse_events(text: str) -> Any:
    """The parser events of `text`: libyaml's when ruamel.yaml.clib is installed, else the pure-Python parser's.
    A caller that meets an error must read the text again with `pure_events` (see `_compose`)."""
    parser = c_parser()
    if parser is None or not _libyaml_reads_alike(text):
        return pure_events(text)
    return _drain(parser(text))


def pure_events(text: str) -> Any:
    from ruamel.yaml import YAML

    return YAML(typ="safe", pure=True).parse(text)


def _drain(parser: Any) -> Any:
    try:
        while parser.check_event():
            yield parser.get_event()
    finally:
        parser.dispose()


def _compose(text: str, composer: Any, max_depth: int, stream: bool) -> list[Any]:
    """The document nodes of `text`, composed by ruamel.yaml's Composer (so the depth limit and the alias policy
    apply) from libyaml's events when ruamel.yaml.clib is installed, else by the pure-Python parser.

    Any error is read again by the pure-Python parser (as is text libyaml reads differently, see _PURE_ONLY), so
    messages and positions are ruamel.yaml's own whatever is installed."""
    from ruamel.yaml import YAML
    from ruamel.yaml.error import MarkedYAMLError, YAMLError

    parser = c_parser()
    if parser is not None and _libyaml_reads_alike(text):
        loader = _Loader(parser(text), max_depth)
        try:
            composing = composer(loader)
            if not stream:
                return [composing.get_single_node()]
            nodes = []
            while composing.check_node():
                nodes.append(composing.get_node())
            return [node for node in nodes if not _empty(node)]
        except (YAMLError, YamlProblem, RecursionError):
            pass  # the pure parser below reports it in its own words (or reads what libyaml refuses)
        finally:
            loader._parser.dispose()
    yaml = YAML(typ="safe", pure=True)  # not "rt": its comment gathering costs ~20% and comments are found apart
    yaml.Composer = composer
    yaml.max_depth = max_depth
    try:
        return [node for node in yaml.compose_all(text) if not _empty(node)] if stream else [yaml.compose(text)]
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


def _locator(positions: dict[Path, tuple[int, int]], keys: dict[Path, tuple[int, int]]) -> Locate:
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
    return locate


_JSON_BLANK = re.compile(r"[ \t\n\r]*")
_JSON_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?")
_JSON_WORDS = {"true": True, "false": False, "null": None}
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def load_json_document(
    text: str, max_depth: int = 100, detail: Detail | None = None
) -> tuple[Any, Locate]:
    """`load_yaml_document` for text that is valid JSON (check it with `json.loads` first), ten times faster:
    the same data, positions and Detail (no comments in JSON: no `scalars`), strings decoded by the standard
    library's C scanner. Numbers are kept as `_scalar` would keep them (their text when unconvertible)."""
    from json import decoder

    scanstring: Callable[[str, int], tuple[str, int]] = decoder.scanstring  # type: ignore[attr-defined]  # untyped
    line_starts = [0] + [match.end() for match in _LINE_BREAK.finditer(text)]
    positions: dict[Path, tuple[int, int]] = {}
    keys: dict[Path, tuple[int, int]] = {}

    def where(index: int) -> tuple[int, int]:
        line = bisect.bisect_right(line_starts, index)
        return line, index - line_starts[line - 1] + 1

    def blank(index: int) -> int:
        match = _JSON_BLANK.match(text, index)
        return match.end() if match is not None else index

    def value(index: int, path: Path, depth: int) -> tuple[object, int]:
        index = blank(index)
        positions[path] = where(index)
        char = text[index : index + 1]
        result: object
        if char in ("{", "["):
            if depth >= max_depth:
                line, column = positions[path]
                raise YamlProblem(f"nesting deeper than {max_depth} levels: refused", line, column, refused=True)
            result, index = (mapping if char == "{" else sequence)(index + 1, path, depth + 1)
        elif char == '"':
            result, index = scanstring(text, index + 1)
        else:
            number = _JSON_NUMBER.match(text, index)
            if number is not None:
                result, index = _json_number(number.group()), number.end()
                if detail is not None:
                    detail.plain[path] = number.group()
            else:
                word = next((word for word in _JSON_WORDS if text.startswith(word, index)), None)
                if word is None:
                    line, column = positions[path]
                    raise YamlProblem("invalid JSON: expected a value", line, column)
                result, index = _JSON_WORDS[word], index + len(word)
        if detail is not None:
            detail.ends[path] = where(index)
        return result, index

    def mapping(index: int, path: Path, depth: int) -> tuple[dict[object, object], int]:
        result: dict[object, object] = {}
        index = blank(index)
        if text.startswith("}", index):
            return result, index + 1
        while True:
            at = where(index)
            key, index = scanstring(text, index + 1)
            if key in result:
                raise YamlProblem(f"duplicate key '{key}'", at[0], at[1])
            child = (*path, key)
            keys[child] = at
            index = blank(index) + 1  # the `:`
            result[key], index = value(index, child, depth)
            index = blank(index)
            if text.startswith("}", index):
                return result, index + 1
            index = blank(index + 1)  # after the `,`

    def sequence(index: int, path: Path, depth: int) -> tuple[list[object], int]:
        result: list[object] = []
        if text.startswith("]", blank(index)):
            return result, blank(index) + 1
        while True:
            item, index = value(index, (*path, len(result)), depth)
            result.append(item)
            index = blank(index)
            if text.startswith("]", index):
                return result, index + 1
            index += 1  # the `,`

    data, _ = value(0, (), 0) if text.strip() else (None, 0)
    return data, _locator(positions, keys)


def _json_number(text: str) -> object:
    """A JSON number as `_scalar` reads a YAML one: an int or a float, or its text when Python cannot convert it."""
    try:
        if any(char in text for char in ".eE"):
            return float(text)
        number = int(text)
        str(number)
        return number
    except ValueError:
        return text


def _key(node: Any) -> object:
    return _scalar(node) if node.id == "scalar" else str(node.value)


def _empty(node: Any) -> bool:
    """An empty document or value (nothing, or a bare `null`/`~`)."""
    return node is None or (node.id == "scalar" and node.tag == _NULL_TAG)


def key_position(locate: Locate, path: Sequence[object]) -> tuple[int, int]:
    """The position of the key that holds `path` (falls back to the value)."""
    keys: dict[Path, tuple[int, int]] = getattr(locate, "keys", {})
    return keys.get(tuple(path)) or locate(path)
