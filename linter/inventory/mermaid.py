"""The inventory as a Mermaid flowchart: alias -> connection -> credential -> identity, verdicts between credentials.

Node ids are escaped to [A-Za-z0-9_] (a hash keeps escaped ids distinct); every label is quoted, with quotes,
brackets and other markup characters written as Mermaid entities (#quot;, #91;, ...), so names from an export can
neither break the diagram nor inject markup. The differing pair (error verdicts) is highlighted with classDef /
class on its nodes and linkStyle on its verdict edge; warnings and same-account pairs get their own colors.
"""

from __future__ import annotations

import hashlib
import re

from linter.escape import printable
from linter.identity import normalize
from linter.inventory.model import (
    CLIENT_CREDENTIALS,
    DELETED,
    INACTIVE,
    MISSING,
    AliasInventory,
    Inventory,
    Ref,
    VerdictRow,
)

_UNSAFE_ID = re.compile(r"[^A-Za-z0-9_]")
_EDGE_LINE = re.compile(r"^  \S+ (?:-->|-\.->|-\.-) ")
_ENTITIES = {
    "#": "#35;",  # first: every other escape starts with '#'
    '"': "#quot;",
    "[": "#91;",
    "]": "#93;",
    "(": "#40;",
    ")": "#41;",
    "{": "#123;",
    "}": "#125;",
    "<": "#60;",
    ">": "#62;",
    "|": "#124;",
    "`": "#96;",
    "&": "#38;",
    "\\": "#92;",
    ";": "#59;",
    "%": "#37;",  # `%%` starts a comment
}
BREAK = "<br/>"
# Mermaid's default limits (GitHub uses them): a larger diagram is not drawn.
MAX_EDGES = 500
MAX_TEXT = 50_000
MAX_LABEL = 80  # characters of one label line (long names are cut with an ellipsis)

# Node shapes: opening and closing around the quoted label.
SHAPES = {
    "alias": ('(["', '"])'),
    "connection": ('["', '"]'),
    "credential": ('["', '"]'),
    "identity": ('("', '")'),
    "none": ('["', '"]'),
}
CLASS_DEFS = {
    "alias": "fill:#e8f0fe,stroke:#1a73e8,color:#0b2e6b",
    "identity": "fill:#f1f3f4,stroke:#5f6368",
    "inactive": "fill:#f5f5f5,stroke:#9e9e9e,color:#757575,stroke-dasharray:4 3",
    "gone": "fill:#fff8e1,stroke:#b06000,color:#5f3b00,stroke-dasharray:4 3",
    "same": "fill:#e6f4ea,stroke:#188038,stroke-width:2px",
    "warning": "fill:#fef7e0,stroke:#e37400,stroke-width:2px",
    "error": "fill:#fce8e6,stroke:#d93025,stroke-width:3px",
}
LINK_STYLES = {
    "same": "stroke:#188038,stroke-width:2px",
    "warning": "stroke:#e37400,stroke-width:2px,stroke-dasharray:6 4",
    "error": "stroke:#d93025,stroke-width:4px",
}
# When a node takes part in several things, the strongest class wins.
RANK = {"": 0, "alias": 1, "identity": 1, "inactive": 2, "gone": 3, "same": 4, "warning": 5, "error": 6}


def node_id(prefix: str, key: str) -> str:
    """A Mermaid node id from any text: [A-Za-z0-9_] only, distinct for distinct keys."""
    safe = _UNSAFE_ID.sub("_", key)[:48]
    if safe != key or not key:
        safe += "_" + hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()[:10]
    return f"{prefix}_{safe}"


def escape(text: str) -> str:
    """Label text with every character that is markup in a Mermaid label written as an entity."""
    text = printable(" ".join(text.split()))
    if len(text) > MAX_LABEL:
        text = text[: MAX_LABEL - 1] + "\u2026"
    return "".join(_ENTITIES.get(char, char) for char in text)


def label(*lines: str) -> str:
    return BREAK.join(escape(line) for line in lines if line)


class _Graph:
    __slots__ = ("classes", "edge_index", "edges", "fallback", "link_classes", "nodes")

    def __init__(self) -> None:
        self.nodes: dict[str, tuple[str, str]] = {}  # id -> (shape, label)
        self.classes: dict[str, str] = {}
        self.edges: list[tuple[str, str, str, str]] = []  # (from, arrow, label, to)
        self.edge_index: dict[tuple[str, str, str, str], int] = {}
        self.link_classes: dict[int, str] = {}
        self.fallback: dict[str, tuple[str, str]] = {}  # nodes to define if nothing else does

    def node(self, node: str, shape: str, text: str, css: str = "") -> str:
        if node not in self.nodes:
            self.nodes[node] = (shape, text)
        self.mark(node, css)
        return node

    def mark(self, node: str, css: str) -> None:
        if RANK[css] > RANK[self.classes.get(node, "")]:
            self.classes[node] = css

    def edge(self, source: str, arrow: str, target: str, text: str = "", css: str = "") -> None:
        key = (source, arrow, text, target)
        if key not in self.edge_index:
            self.edge_index[key] = len(self.edges)
            self.edges.append(key)
        index = self.edge_index[key]
        if css and RANK[css] > RANK[self.link_classes.get(index, "")]:
            self.link_classes[index] = css


def _severity_class(verdict: VerdictRow) -> str:
    if verdict.rule is None:
        return "same"
    if verdict.severity == "error" or (verdict.severity is None and verdict.key in ("differs",
                                                                                   "client_credentials_only")):
        return "error"
    return "warning"


def _credential_node(graph: _Graph, ref: Ref) -> str:
    """The node of a credential a connection names; deleted or missing targets get a node of their own."""
    node = node_id("K", ref.sys_id)
    if ref.state == DELETED:
        return graph.node(node, "credential", label(ref.name or ref.sys_id, "deleted in the inputs"), "gone")
    if ref.state == MISSING:
        return graph.node(node, "credential", label(ref.name or ref.sys_id, "not in the inputs"), "gone")
    # A live credential: an alias's OAuth / Mailbox / other row defines its node; if none does (only an inactive
    # connection names it), it is drawn with the name alone.
    graph.fallback.setdefault(node, ("credential", label(ref.name or ref.sys_id, "credential")))
    return node


def identity_id(account: str) -> str:
    """One node per Microsoft account: the Mailbox user and the OAuth account meet there when they are equal."""
    return "U_" + hashlib.sha256(normalize(account).encode("utf-8", "surrogatepass")).hexdigest()[:16]


def _identity_node(graph: _Graph, account: str) -> str:
    return graph.node(identity_id(account), "identity", label(account), "identity")


def _add_alias(graph: _Graph, entry: AliasInventory, aliases: set[str]) -> None:
    alias = entry.alias
    alias_node = graph.node(
        node_id("A", alias.sys_id),
        "alias",
        label(alias.id or alias.name or alias.sys_id, "Mailbox alias" if alias.mailbox_alias else "alias"),
        "alias",
    )
    if alias.parent is not None:
        parent = alias.parent
        parent_node = node_id("A", parent.sys_id)
        if parent.sys_id not in aliases:
            state = "deleted in the inputs" if parent.state == DELETED else (
                "not in the inputs" if parent.state == MISSING else "parent alias")
            graph.node(parent_node, "alias", label(parent.name or parent.sys_id, state),
                       "gone" if parent.state in (DELETED, MISSING) else "alias")
        graph.edge(parent_node, "-->", alias_node, "child alias")
    through_connections: set[str] = set()
    for connection in entry.connections:
        connection_node = graph.node(
            node_id("C", connection.sys_id),
            "connection",
            label(connection.name, connection.table + ("" if connection.active else ", inactive")),
            "" if connection.active else "inactive",
        )
        graph.edge(alias_node, "-->" if connection.active else "-.->", connection_node)
        for ref in connection.credentials:
            if connection.active:
                through_connections.add(ref.sys_id)
            target = _credential_node(graph, ref)
            graph.edge(connection_node, "-->" if connection.active else "-.->", target)
    def bound_credential(sys_id: str, text: str, css: str) -> str:
        """A credential's node, linked to the alias through its credential alias unless a connection names it."""
        node = graph.node(node_id("K", sys_id), "credential", text, css)
        if sys_id not in through_connections:
            graph.edge(alias_node, "-.->", node, "credential alias")
        return node

    for oauth in entry.oauth:
        grant = oauth.grant_type or "unknown grant"
        note = "OAuth 2.0, " + grant + (", no user" if oauth.role == CLIENT_CREDENTIALS else "")
        node = bound_credential(oauth.sys_id, label(oauth.name, note), "inactive" if oauth.role == INACTIVE else "")
        if oauth.identity is not None and oauth.identity.text.strip():
            graph.edge(node, "-->", _identity_node(graph, oauth.identity.text), "authorised as")
    for mailbox in entry.mailbox:
        inactive = "" if mailbox.active else ", inactive"
        node = bound_credential(mailbox.sys_id, label(mailbox.name, "Mailbox, " + mailbox.table + inactive),
                                "" if mailbox.active else "inactive")
        if mailbox.user is not None and mailbox.user.text.strip():
            graph.edge(node, "-->", _identity_node(graph, mailbox.user.text), "user")
    for other in entry.other:
        inactive = "" if other.active else ", inactive"
        bound_credential(other.sys_id, label(other.name, other.table + inactive), "" if other.active else "inactive")
    for deleted in entry.deleted:
        node = graph.node(node_id("K", deleted.sys_id), "credential",
                          label(deleted.name, deleted.table + ", deleted in the inputs"), "gone")
        graph.edge(alias_node, "-.->", node, "deleted")
    for verdict in entry.verdicts:
        _add_verdict(graph, verdict)


def _add_verdict(graph: _Graph, verdict: VerdictRow) -> None:
    css = _severity_class(verdict)
    mailbox = node_id("K", verdict.mailbox.sys_id)
    graph.mark(mailbox, css)
    text = f"{verdict.rule} {verdict.words}" if verdict.rule else verdict.words
    for ref in verdict.oauth:
        oauth = node_id("K", ref.sys_id)
        graph.mark(oauth, css)
        graph.edge(mailbox, "-.-", oauth, text, css)
    for account in (verdict.user, verdict.account):
        if account.strip():
            graph.mark(identity_id(account), css)


def render(inventory: Inventory, color: bool = False) -> str:  # a plain format: never coloured
    graph = _Graph()
    aliases = {entry.alias.sys_id for entry in inventory.aliases}
    for entry in inventory.aliases:
        _add_alias(graph, entry, aliases)
    for node, (shape, text) in graph.fallback.items():
        graph.node(node, shape, text)
    if not graph.nodes:
        graph.node("none", "none", label("no Exchange Online alias found"))
    lines = ["flowchart LR"]
    for node, (shape, text) in graph.nodes.items():
        opening, closing = SHAPES[shape]
        lines.append(f"  {node}{opening}{text}{closing}")
    for source, arrow, text, target in graph.edges:
        lines.append(f'  {source} {arrow}|"{escape(text)}"| {target}' if text else f"  {source} {arrow} {target}")
    used = sorted(set(graph.classes.values()) - {""}, key=lambda css: (RANK[css], css))  # deterministic output
    for css in used:
        lines.append(f"  classDef {css} {CLASS_DEFS[css]}")
    for css in used:
        members = [node for node, node_css in graph.classes.items() if node_css == css]
        lines.append(f"  class {','.join(members)} {css}")
    for css in ("same", "warning", "error"):
        indices = [str(index) for index, link_css in sorted(graph.link_classes.items()) if link_css == css]
        if indices:
            lines.append(f"  linkStyle {','.join(indices)} {LINK_STYLES[css]}")
    return "\n".join(lines) + "\n"


def over_limits(diagram: str) -> str:
    """Why Mermaid with its default limits would refuse to draw `diagram` ("" when it would draw it)."""
    edges = sum(1 for line in diagram.split("\n") if _EDGE_LINE.match(line))
    if edges > MAX_EDGES:
        return f"{edges} edges, over Mermaid's default limit of {MAX_EDGES}"
    if len(diagram) > MAX_TEXT:
        return f"{len(diagram)} characters, over Mermaid's default limit of {MAX_TEXT}"
    return ""
