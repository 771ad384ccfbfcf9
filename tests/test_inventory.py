"""`snlint inventory`: rows and positions of a multi-alias bundle, agreement with the lint findings for every
fixture, valid Mermaid, safe Markdown, no secrets, exit codes, and the generated example documents."""

from __future__ import annotations

import base64
import html
import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from linter import spoke as spoke_module
from linter.cli import main
from linter.engine import run
from linter.escape import printable
from linter.inventory import FORMATS, mermaid, renderer
from linter.inventory import command as inventory_command
from linter.inventory.build import build
from linter.inventory.docs import documented_blocks, examples_inventory, replace_blocks
from linter.inventory.model import Inventory
from linter.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
MULTI = FIXTURES / "inventory_multi_alias"
SC = "source-control/43275d11406cd210928158889af97d70/update"

FOLDERS = [*sorted(path for path in FIXTURES.iterdir() if path.is_dir()), ROOT / "examples"]


def render(inventory: Inventory, fmt: str) -> str:
    return renderer(fmt)(inventory, False)


def _inventory_json(tmp_path: Path, *arguments: str) -> dict[str, Any]:
    out = tmp_path / "inventory.json"
    assert main(["inventory", *arguments, "--isolated", "-f", "json", "-o", str(out)]) == 0
    data: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    return data


def _lint_json(tmp_path: Path, *arguments: str) -> dict[str, Any]:
    out = tmp_path / "lint.json"
    assert main(["lint", *arguments, "--isolated", "-f", "json", "-o", str(out)]) in (0, 1)
    data: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    return data


def _at(location: dict[str, Any]) -> str:
    return f"{location['path']}:{location['line']}:{location['column']}"


# -- the multi-alias, multi-file bundle --------------------------------------------------------------------------
# An update set (spoke aliases, OAuth entities and profiles, connections, credentials, payloads in CDATA and
# entity-escaped), a later update set deleting a Mailbox credential, an application's source-control files (child
# aliases of the spoke's aliases, a client-credentials-only Mailbox alias, an inactive connection, an OAuth
# credential with no recorded account, a non-spoke alias) and a list export of Windows credentials.
ALIASES = [
    ("x_cntso_exo_ops.Exchange_Online_MID_EU", "Exchange Online MID EU",
     "sn_ex_online_spke.Microsoft_Exchange_Online_MID", True,
     f"{SC}/sys_alias_0b77e8b75a265a539e2d5f946383d879.xml:2:5"),
    ("x_cntso_exo_ops.Exchange_Online_MID_APAC", "Exchange Online MID APAC",
     "sn_ex_online_spke.Microsoft_Exchange_Online", True, f"{SC}/sys_alias_869eb1328e4811d0944640e25ef5404a.xml:2:5"),
    ("x_cntso_exo_ops.Exchange_Online_MID_US", "Exchange Online MID US",
     "sn_ex_online_spke.Microsoft_Exchange_Online_MID", True,
     f"{SC}/sys_alias_b5cc807d647041e5d65e3bfdde9e4b5c.xml:2:5"),
    ("sn_ex_online_spke.Microsoft_Exchange_Online", "Microsoft_Exchange_Online", None, False,
     "update-sets/exo_spoke_setup.xml:38:90"),
    ("sn_ex_online_spke.Microsoft_Exchange_Online_MID", "Microsoft Exchange Online MID", None, True,
     "update-sets/exo_spoke_setup.xml:64:90"),
    ("sn_ex_online_spke.Microsoft_Exchange_Online_clientCred", "Microsoft_Exchange_Online_clientCred",
     "sn_ex_online_spke.Microsoft_Exchange_Online", False, "update-sets/exo_spoke_setup.xml:90:90"),
]
CONNECTIONS = {
    "x_cntso_exo_ops.Exchange_Online_MID_APAC": [
        ("Exchange Online MID APAC", True, ["Exchange_Online_ClientCredentials"],
         f"{SC}/http_connection_baf9771776c9fb99a47f200c4a48bb19.xml:2:5"),
    ],
    "x_cntso_exo_ops.Exchange_Online_MID_US": [
        ("Exchange Online MID US (2023)", False, ["Exchange_Online_Credentials"],
         f"{SC}/http_connection_f13870b976c7ddf96a76e9c29ea15165.xml:2:5"),
        ("Exchange Online MID US", True, ["Exchange Online US OAuth"],
         f"{SC}/http_connection_f974a1ed4e64b8989f5236fc731be66e.xml:2:5"),
    ],
    "sn_ex_online_spke.Microsoft_Exchange_Online_MID": [
        ("Microsoft Exchange Online MID", True, ["Exchange_Online_Credentials"],
         "update-sets/exo_spoke_setup.xml:220:116"),
    ],
    "sn_ex_online_spke.Microsoft_Exchange_Online_clientCred": [
        ("Microsoft Exchange Online clientCred", True, ["Exchange_Online_ClientCredentials"],
         "update-sets/exo_spoke_setup.xml:246:116"),
    ],
}
# (name, grant type, role, (account, field, claim, where) or None, where)
OAUTH = {
    "x_cntso_exo_ops.Exchange_Online_MID_APAC": [
        ("Exchange_Online_ClientCredentials", "client_credentials", "client_credentials", None,
         "update-sets/exo_spoke_setup.xml:298:122"),
    ],
    "x_cntso_exo_ops.Exchange_Online_MID_US": [
        ("Exchange Online US OAuth", "authorization_code", "user", None,
         f"{SC}/oauth_2_0_credentials_7b0c8165728e658fe5eceaadb047bfb4.xml:2:5"),
    ],
    "sn_ex_online_spke.Microsoft_Exchange_Online_MID": [
        ("Exchange_Online_Credentials", "authorization_code", "user",
         ("exo.service@contoso.com", "u_authorized_as", "upn", "update-sets/exo_spoke_setup.xml:272:839"),
         "update-sets/exo_spoke_setup.xml:272:122"),
    ],
    "sn_ex_online_spke.Microsoft_Exchange_Online_clientCred": [
        ("Exchange_Online_ClientCredentials", "client_credentials", "client_credentials", None,
         "update-sets/exo_spoke_setup.xml:298:122"),
    ],
}
# (name, active, user, user at, where)
MAILBOX = {
    "x_cntso_exo_ops.Exchange_Online_MID_EU": [
        ("Exchange Online Mailbox (EU)", True, "svc-exo-eu@contoso.com",
         "list-exports/windows_credentials.xml:21:12", "list-exports/windows_credentials.xml:3:1"),
        ("Exchange Online Mailbox (EU, retired)", False, "svc-exo-eu-old@contoso.com",
         "list-exports/windows_credentials.xml:41:12", "list-exports/windows_credentials.xml:23:1"),
    ],
    "x_cntso_exo_ops.Exchange_Online_MID_APAC": [
        ("Exchange Online Mailbox (APAC)", True, "svc-exo-apac@contoso.com",
         f"{SC}/windows_credentials_73998c41ed7fc0921d4a1397f899aff2.xml:20:20",
         f"{SC}/windows_credentials_73998c41ed7fc0921d4a1397f899aff2.xml:2:5"),
    ],
    "x_cntso_exo_ops.Exchange_Online_MID_US": [
        ("Exchange Online Mailbox (US)", True, "svc-exo-us@contoso.com",
         f"{SC}/windows_credentials_d377adaa2f1ebf14956f81dbf65ff587.xml:20:20",
         f"{SC}/windows_credentials_d377adaa2f1ebf14956f81dbf65ff587.xml:2:5"),
    ],
    "sn_ex_online_spke.Microsoft_Exchange_Online_MID": [
        ("Exchange Mailbox (legacy on-premises)", True, "CONTOSO\\svc-exchange",
         "list-exports/windows_credentials.xml:61:12", "list-exports/windows_credentials.xml:43:1"),
        ("Exchange Online Mailbox (shared)", True, "exo.service@contoso.onmicrosoft.com",
         "list-exports/windows_credentials.xml:81:12", "list-exports/windows_credentials.xml:63:1"),
        ("Exchange Online Mailbox", True, "exo.service@contoso.com",
         "update-sets/exo_spoke_setup.xml:324:1178", "update-sets/exo_spoke_setup.xml:324:123"),
    ],
}
DELETED = {
    "sn_ex_online_spke.Microsoft_Exchange_Online_MID": [
        ("Exchange Online Mailbox (old)", "windows_credentials", "credential alias",
         "update-sets/exo_spoke_cleanup.xml:38:120"),
    ],
}
MID_VIA = "parent alias 'Microsoft Exchange Online MID' (1ff4d76b843b43108a39d5d8072fcfc2)"
# (verdict, rule, Mailbox credential, user, OAuth credentials, account, via, where)
VERDICTS = {
    "x_cntso_exo_ops.Exchange_Online_MID_EU": [
        ("differs", "EXO001", "Exchange Online Mailbox (EU)", "svc-exo-eu@contoso.com",
         ["Exchange_Online_Credentials"], "exo.service@contoso.com", MID_VIA,
         "list-exports/windows_credentials.xml:21:12"),
    ],
    "x_cntso_exo_ops.Exchange_Online_MID_APAC": [
        ("client_credentials_only", "EXO005", "Exchange Online Mailbox (APAC)", "svc-exo-apac@contoso.com",
         ["Exchange_Online_ClientCredentials"], "", "", f"{SC}/sys_alias_869eb1328e4811d0944640e25ef5404a.xml:9:15"),
    ],
    "x_cntso_exo_ops.Exchange_Online_MID_US": [
        ("cannot_verify", "EXO004", "Exchange Online Mailbox (US)", "svc-exo-us@contoso.com",
         ["Exchange Online US OAuth"], "", "", f"{SC}/windows_credentials_d377adaa2f1ebf14956f81dbf65ff587.xml:20:20"),
    ],
    "sn_ex_online_spke.Microsoft_Exchange_Online_MID": [
        ("not_comparable", "EXO003", "Exchange Mailbox (legacy on-premises)", "CONTOSO\\svc-exchange",
         ["Exchange_Online_Credentials"], "", "", "list-exports/windows_credentials.xml:61:12"),
        ("may_differ", "EXO002", "Exchange Online Mailbox (shared)", "exo.service@contoso.onmicrosoft.com",
         ["Exchange_Online_Credentials"], "exo.service@contoso.com", "", "list-exports/windows_credentials.xml:81:12"),
        ("same", None, "Exchange Online Mailbox", "exo.service@contoso.com", ["Exchange_Online_Credentials"],
         "exo.service@contoso.com", "", "update-sets/exo_spoke_setup.xml:324:1178"),
    ],
}


@pytest.fixture
def multi(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    monkeypatch.chdir(MULTI)
    return _inventory_json(tmp_path, ".")


def test_every_alias_with_its_position(multi: dict[str, Any]) -> None:
    rows = [
        (a["id"], a["name"], a["parent"] and a["parent"]["name"], a["mailbox_alias"], _at(a["location"]))
        for a in multi["aliases"]
    ]
    assert rows == ALIASES  # the non-spoke alias x_cntso_exo_ops.Workday_HR is not listed
    assert all(a["parent"] is None or a["parent"]["state"] == "resolved" for a in multi["aliases"])


def test_connections_credentials_users_and_positions(multi: dict[str, Any]) -> None:
    for alias in multi["aliases"]:
        key = alias["id"]
        connections = [
            (c["name"], c["active"], [r["name"] for r in c["credentials"]], _at(c["location"]))
            for c in alias["connections"]
        ]
        assert connections == CONNECTIONS.get(key, []), key
        oauth = [
            (
                o["name"], o["grant_type"], o["role"],
                (o["identity"]["account"], o["identity"]["field"], o["identity"]["claim"],
                 _at(o["identity"]["location"])) if o["identity"] else None,
                _at(o["location"]),
            )
            for o in alias["oauth_credentials"]
        ]
        assert oauth == OAUTH.get(key, []), key
        mailbox = [
            (m["name"], m["active"], m["user"]["name"], _at(m["user"]["location"]), _at(m["location"]))
            for m in alias["mailbox_credentials"]
        ]
        assert mailbox == MAILBOX.get(key, []), key
        deleted = [(d["name"], d["table"], d["bound_by"], _at(d["location"])) for d in alias["deleted"]]
        assert deleted == DELETED.get(key, []), key
        assert alias["other_credentials"] == [] and alias["unresolved"] == [], key


def test_verdicts_of_every_pair(multi: dict[str, Any]) -> None:
    for alias in multi["aliases"]:
        verdicts = [
            (v["verdict"], v["rule"], v["mailbox_credential"]["name"], v["user"],
             [r["name"] for r in v["oauth_credentials"]], v["account"], v["via"], _at(v["location"]))
            for v in alias["verdicts"]
        ]
        assert verdicts == VERDICTS.get(alias["id"], []), alias["id"]
    assert multi["summary"] == {
        "files": 13, "aliases": 6, "connections": 5, "oauth_credentials": 3, "mailbox_credentials": 7,
        "verdicts": {"same": 1, "differs": 1, "may_differ": 1, "not_comparable": 1, "cannot_verify": 1,
                     "client_credentials_only": 1},
    }


def _text_at(path: str, line: int, column: int) -> str:
    text = (MULTI / path).read_text(encoding="utf-8-sig")
    return text.split("\n")[line - 1][column - 1:]


def test_positions_point_at_the_text_they_name(multi: dict[str, Any]) -> None:
    """Checked against the raw files, independently of the reader: values start where their position says."""
    for alias in multi["aliases"]:
        start = _text_at(alias["location"]["path"], alias["location"]["line"], alias["location"]["column"])
        assert re.match(r"(<|&lt;)sys_alias\b", start)
        for mailbox in alias["mailbox_credentials"]:
            user = mailbox["user"]
            assert _text_at(user["location"]["path"], user["location"]["line"], user["location"]["column"]) \
                .startswith(user["name"])
            where = mailbox["location"]
            assert re.match(r"(<|&lt;)windows_credentials\b", _text_at(where["path"], where["line"], where["column"]))
        for oauth in alias["oauth_credentials"]:
            where = oauth["location"]
            assert re.match(r"(<|&lt;)oauth_2_0_credentials\b",
                            _text_at(where["path"], where["line"], where["column"]))
            if oauth["identity"]:  # an ID token: the position of the token, whose upn claim is the account
                where = oauth["identity"]["location"]
                assert _text_at(where["path"], where["line"], where["column"]).startswith("eyJ")


# -- verdicts agree with the lint report, for every fixture and the bundled examples --------------------------------
@pytest.mark.parametrize("folder", FOLDERS, ids=lambda path: path.name)
def test_verdicts_agree_with_lint_findings(folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    target = os.path.relpath(folder, ROOT)
    findings = _lint_json(tmp_path, target)["findings"]
    document = _inventory_json(tmp_path, target)
    reported = {(f["rule"], f"{f['path']}:{f['line']}:{f['column']}") for f in findings
                if f["rule"].startswith("EXO")}
    verdicts = [v for alias in document["aliases"] for v in alias["verdicts"]]
    listed = {(v["rule"], _at(v["location"])) for v in verdicts if v["rule"] and v["reported"]}
    assert listed == reported
    # a verdict with a rule is reported unless an inline suppression (tests/fixtures/xml_suppress_*) hides it
    assert all(v["reported"] == (v["rule"] is not None) for v in verdicts if not folder.name.startswith("xml_suppress"))
    assert all(v["rule"] is not None for v in verdicts if v["reported"])
    severities = {(f["rule"], f"{f['path']}:{f['line']}:{f['column']}"): f["severity"] for f in findings}
    assert all(v["severity"] == severities.get((v["rule"], _at(v["location"]))) for v in verdicts)
    unresolved = {_at(u["location"]) for alias in document["aliases"] for u in alias["unresolved"]}
    assert unresolved == {f"{f['path']}:{f['line']}:{f['column']}" for f in findings if f["rule"] == "CRD001"}


def test_a_disabled_rule_is_listed_as_not_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(MULTI)
    result = run(["."], Settings(ignore=("EXO001",)), use_context=False)
    assert result.context is not None
    inventory = build(result.context.spoke, result.findings, result.files)
    (differs,) = [v for entry in inventory.aliases for v in entry.verdicts if v.rule == "EXO001"]
    assert differs.reported is False and differs.severity is None
    assert "not reported" in render(inventory, "text")


# -- Mermaid ------------------------------------------------------------------------------------------------------
ID = r"[A-Za-z0-9_]+"
LABEL = r'"[^"]*"'
NODE = re.compile(
    rf"^  (?P<id>{ID})(?:\[(?P<box>{LABEL})\]|\(\[(?P<stadium>{LABEL})\]\)|\((?P<round>{LABEL})\)"
    rf"|\(\((?P<circle>{LABEL})\)\)|\{{\{{(?P<hexagon>{LABEL})\}}\}})$"
)
EDGE = re.compile(rf"^  (?P<source>{ID}) (?:-->|-\.->|-\.-|==>)(?:\|(?P<label>{LABEL})\|)? (?P<target>{ID})$")
CLASS_DEF = re.compile(rf"^  classDef {ID} [a-z-]+:[^\";]+$")
CLASS = re.compile(rf"^  class (?P<members>{ID}(?:,{ID})*) (?P<name>{ID})$")
LINK_STYLE = re.compile(r"^  linkStyle (?P<indices>\d+(?:,\d+)*) [a-z-]+:[^\";]+$")
ENTITY = re.compile(r"#(?:\d+|[a-z]+);")


def _label_text(quoted: str) -> str:
    """A label as Mermaid shows it (lines joined by newlines), after checking that it holds no raw markup."""
    inner = quoted[1:-1]
    assert '"' not in inner
    bare = ENTITY.sub("", inner.replace("<br/>", ""))
    assert not re.search(r"[#\[\]{}()<>|`\\;%]", bare), f"unescaped markup in label {quoted}"
    return ENTITY.sub(_entity, inner.replace("<br/>", "\n"))


def _entity(match: re.Match[str]) -> str:
    name = match.group(0)[1:-1]
    return html.unescape(f"&#{name};" if name.isdigit() else f"&{name};")


def check_mermaid(text: str) -> dict[str, Any]:
    """A structural check of a flowchart: every line is a node, an edge, classDef, class or linkStyle; ids are
    [A-Za-z0-9_]+; labels are quoted and escaped; edges, classes and link styles refer to what exists."""
    lines = text.rstrip("\n").split("\n")
    assert lines[0] == "flowchart LR"
    nodes: dict[str, str] = {}
    edges: list[tuple[str, str, str]] = []
    classes: dict[str, list[str]] = {}
    defined: set[str] = set()
    styled: list[int] = []
    for line in lines[1:]:
        if node := NODE.match(line):
            assert node["id"] not in nodes, f"node defined twice: {line}"
            quoted = next(group for name, group in node.groupdict().items() if name != "id" and group)
            nodes[node["id"]] = _label_text(quoted)
        elif edge := EDGE.match(line):
            edges.append((edge["source"], _label_text(edge["label"]) if edge["label"] else "", edge["target"]))
        elif CLASS_DEF.match(line):
            defined.add(line.split()[1])
        elif klass := CLASS.match(line):
            classes.setdefault(klass["name"], []).extend(klass["members"].split(","))
        elif link := LINK_STYLE.match(line):
            styled.extend(int(index) for index in link["indices"].split(","))
        else:
            raise AssertionError(f"not a node, edge, classDef, class or linkStyle line: {line!r}")
    for source, _, target in edges:
        assert source in nodes and target in nodes
    for name, members in classes.items():
        assert name in defined and all(member in nodes for member in members)
    assert all(0 <= index < len(edges) for index in styled)
    return {"nodes": nodes, "edges": edges, "classes": classes, "styled": styled}


@pytest.mark.parametrize("folder", FOLDERS, ids=lambda path: path.name)
def test_mermaid_is_a_valid_flowchart(folder: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(ROOT)
    out = tmp_path / "inventory.mmd"
    assert main(["inventory", os.path.relpath(folder, ROOT), "--isolated", "-f", "mermaid", "-o", str(out)]) == 0
    check_mermaid(out.read_text(encoding="utf-8"))


def test_mermaid_highlights_the_differing_pair(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    graph = check_mermaid(render(examples_inventory(), "mermaid"))
    mailbox, oauth = "K_e1327893e1b852103a946777183c8880", "K_352d45d3178d52103a946777183c887b"
    assert {mailbox, oauth} <= set(graph["classes"]["error"])
    differs = graph["edges"].index((mailbox, "EXO001 differs", oauth))
    assert differs in graph["styled"]
    assert "stroke:#d93025" in render(examples_inventory(), "mermaid").split(f"linkStyle {differs}")[1].split("\n")[0]
    accounts = {label for label in graph["nodes"].values() if "@" in label}
    assert {"mailbox.admin@contoso.com", "exo.service@contoso.com"} <= accounts


HOSTILE = 'Evil "]) --> X; click A_x call alert(1) %% `|pipe|` <img src=x> #quot; [b] {c} (d) & \\ end \u202e!'


def _hostile_bundle(folder: Path) -> None:
    def record(table: str, fields: dict[str, str]) -> str:
        body = "".join(f"<{k}>{html.escape(v, quote=False)}</{k}>" if v else f"<{k}/>" for k, v in fields.items())
        return f'<{table} action="INSERT_OR_UPDATE">{body}</{table}>\n'

    folder.mkdir()
    (folder / "export.xml").write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n<unload unload_date="2024-01-01 00:00:00">\n'
        + record("sys_alias", {"id": "sn_ex_online_spke.Evil MID", "name": HOSTILE, "parent": "", "sys_id": "x-1"})
        + record("windows_credentials", {"active": "true", "name": HOSTILE + " W", "password": "CANARY-pw",
                                         "sys_id": "x_1", "tag": "x-1", "user_name": 'a"b|c@contoso.com'})
        + record("http_connection", {"active": "true", "connection_alias": "x-1", "credential": "gone",
                                     "name": HOSTILE + " C", "sys_id": "end"})
        + "</unload>\n",
        encoding="utf-8",
    )


def test_hostile_names_are_escaped(tmp_path: Path) -> None:
    _hostile_bundle(tmp_path / "hostile")
    result = run([str(tmp_path / "hostile")], Settings(), use_context=False)
    assert result.context is not None
    inventory = build(result.context.spoke, result.findings, result.files)
    graph = check_mermaid(render(inventory, "mermaid"))
    assert len(graph["nodes"]) == 5  # "x-1" and "x_1" stay distinct; so do connection "end" and its target
    name = printable(HOSTILE + " C")
    expected = name[: mermaid.MAX_LABEL - 1] + "\u2026"
    assert f"{expected}\nhttp_connection" in graph["nodes"].values()
    assert 'a"b|c@contoso.com' in graph["nodes"].values()
    markdown = render(inventory, "markdown")
    for table in (block for block in markdown.split("\n\n") if block.startswith("| ")):
        widths = {len(re.split(r"(?<!\\)\|", row)) for row in table.split("\n")}
        assert len(widths) == 1, table  # no value adds or removes a column
    outside_code = re.sub(r"(`+).+?\1", "", markdown)
    assert "<img" not in outside_code and "](" not in outside_code
    assert "\u202e" not in render(inventory, "text") and "\u202e" not in markdown
    assert "CANARY" not in render(inventory, "json")


def test_node_ids_are_safe_and_distinct() -> None:
    keys = ["a-b", "a_b", "a b", "", "end", "x" * 200, "\u00e9t\u00e9", "A_b"]
    ids = [mermaid.node_id("K", key) for key in keys]
    assert len(set(ids)) == len(ids)
    assert all(re.fullmatch(r"[A-Za-z0-9_]+", node) for node in ids)
    assert mermaid.escape('say "hi" [x]') == "say #quot;hi#quot; #91;x#93;"


@pytest.mark.skipif(not os.environ.get("SNLINT_MERMAID_NODE_PATH") or not shutil.which("node"),
                    reason="set SNLINT_MERMAID_NODE_PATH to a node_modules folder with mermaid and jsdom")
def test_mermaid_parses_with_mermaid_itself(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Optional: the real Mermaid parser (mermaid.parse under jsdom) accepts the diagrams."""
    script = tmp_path / "check.mjs"
    script.write_text(
        "import { JSDOM } from 'jsdom'; import fs from 'fs';\n"
        "const dom = new JSDOM('<!doctype html><html><body></body></html>');\n"
        "globalThis.window = dom.window; globalThis.document = dom.window.document;\n"
        "const { default: mermaid } = await import('mermaid');\n"
        "mermaid.initialize({ startOnLoad: false });\n"
        "for (const file of process.argv.slice(2)) { await mermaid.parse(fs.readFileSync(file, 'utf8')); }\n",
        encoding="utf-8",
    )
    _hostile_bundle(tmp_path / "hostile")
    monkeypatch.chdir(ROOT)
    files = []
    for index, folder in enumerate([*FOLDERS, tmp_path / "hostile"]):
        out = tmp_path / f"{index}.mmd"
        assert main(["inventory", str(folder), "--isolated", "-f", "mermaid", "-o", str(out)]) == 0
        files.append(str(out))
    checker = Path(os.environ["SNLINT_MERMAID_NODE_PATH"]).parent / "snlint-check-mermaid.mjs"
    shutil.copy(script, checker)  # beside node_modules, where `import` finds mermaid and jsdom
    try:
        completed = subprocess.run(["node", str(checker), *files], capture_output=True, text=True, timeout=120)
    finally:
        checker.unlink()
    assert completed.returncode == 0, completed.stderr


# -- secrets, formats, exit codes --------------------------------------------------------------------------------
@pytest.mark.parametrize("fmt", FORMATS)
def test_secrets_never_appear(fmt: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(MULTI)
    out = tmp_path / "out"
    assert main(["inventory", ".", "--isolated", "-f", fmt, "-o", str(out)]) == 0
    text = out.read_text(encoding="utf-8")
    assert "CANARY" not in text  # plaintext password and client secret, and the ID token's nonce claim
    assert "eyJ" not in text  # the recorded ID token itself
    assert "\ufdde" not in text  # ServiceNow's encryption envelope
    assert "exo.service@contoso.com" in text  # the token's account is shown


def test_text_colors(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(ROOT)
    assert main(["inventory", "examples", "--isolated", "--color", "always"]) == 0
    colored = capsys.readouterr().out
    assert "\x1b[1;31mEXO001 differs" in colored
    assert main(["inventory", "examples", "--isolated", "--color", "never"]) == 0
    plain = capsys.readouterr().out
    assert "\x1b[" not in plain
    assert re.sub(r"\x1b\[[\d;]*m", "", colored) == plain


def test_findings_do_not_fail_the_inventory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    assert main(["examples", "--isolated", "-o", str(tmp_path / "lint.txt")]) == 1
    assert main(["inventory", "examples", "--isolated", "-o", str(tmp_path / "inventory.txt")]) == 0


def test_internal_error_exits_2(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(ROOT)

    def broken(*_: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(inventory_command, "build", broken)
    assert main(["inventory", "examples", "--isolated"]) == 2
    assert "internal error while building the inventory" in capsys.readouterr().err


def test_unreadable_input_is_listed_not_fatal(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "broken.xml").write_text('<?xml version="1.0"?><unload><sys_alias>', encoding="utf-8")
    assert main(["inventory", str(tmp_path), "--isolated", "-f", "json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert [problem["rule"] for problem in document["problems"]] == ["SN001"]
    assert document["aliases"] == []
    check_mermaid(render(build(*_empty_run(tmp_path)), "mermaid"))


def _empty_run(path: Path) -> tuple[Any, Any, int]:
    result = run([str(path)], Settings(), use_context=False)
    assert result.context is not None
    return result.context.spoke, result.findings, result.files


def test_missing_path_is_a_usage_error(tmp_path: Path) -> None:
    assert main(["inventory", str(tmp_path / "nope"), "--isolated"]) == 2


def test_a_reference_to_a_deleted_credential(tmp_path: Path) -> None:
    """A connection naming a credential that an input deletes: an unresolved reference marked deleted, and the
    deleted credential listed as bound through the connection."""
    (tmp_path / "export.xml").write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n<unload unload_date="2024-01-01 00:00:00">\n'
        '<sys_alias action="INSERT_OR_UPDATE"><id>sn_ex_online_spke.Microsoft_Exchange_Online_MID</id>'
        "<name>Microsoft Exchange Online MID</name><sys_id>a1</sys_id></sys_alias>\n"
        '<http_connection action="INSERT_OR_UPDATE"><active>true</active><connection_alias>a1</connection_alias>'
        "<credential>c1</credential><name>MID</name><sys_id>n1</sys_id></http_connection>\n"
        '<oauth_2_0_credentials action="DELETE"><active>true</active><name>Old OAuth</name><sys_id>c1</sys_id>'
        "</oauth_2_0_credentials>\n</unload>\n",
        encoding="utf-8",
    )
    inventory = build(*_empty_run(tmp_path))
    (entry,) = inventory.aliases
    assert [(row.name, row.bound_by) for row in entry.deleted] == [("Old OAuth", "connection")]
    assert [(row.target, row.target_deleted) for row in entry.unresolved] == [("c1", True)]
    assert entry.connections[0].credentials[0].state == "deleted"
    check_mermaid(render(inventory, "mermaid"))


def test_a_credential_named_only_by_an_inactive_connection(tmp_path: Path) -> None:
    (tmp_path / "export.xml").write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n<unload unload_date="2024-01-01 00:00:00">\n'
        '<sys_alias action="INSERT_OR_UPDATE"><id>sn_ex_online_spke.Microsoft_Exchange_Online</id>'
        "<name>Microsoft_Exchange_Online</name><sys_id>a1</sys_id></sys_alias>\n"
        '<http_connection action="INSERT_OR_UPDATE"><active>false</active><connection_alias>a1</connection_alias>'
        "<credential>c1</credential><name>Old</name><sys_id>n1</sys_id></http_connection>\n"
        '<oauth_2_0_credentials action="INSERT_OR_UPDATE"><active>true</active><name>Spare OAuth</name>'
        "<sys_id>c1</sys_id></oauth_2_0_credentials>\n</unload>\n",
        encoding="utf-8",
    )
    inventory = build(*_empty_run(tmp_path))
    (entry,) = inventory.aliases
    assert entry.oauth == [] and [ref.name for ref in entry.connections[0].credentials] == ["Spare OAuth"]
    graph = check_mermaid(render(inventory, "mermaid"))
    assert graph["nodes"]["K_c1"] == "Spare OAuth\ncredential"


def test_the_inventory_copies_the_resolution(monkeypatch: pytest.MonkeyPatch) -> None:
    """Grant types, recorded accounts, credential kinds and deleted bindings are decided once, by the spoke: the
    inventory of every alias is built without resolving anything again."""
    spoke, findings, files = _empty_run(MULTI)

    def resolves_again(*_: object) -> None:
        raise AssertionError("the inventory resolved the spoke again")

    monkeypatch.setattr(spoke_module._Resolver, "_grant", resolves_again)
    monkeypatch.setattr(spoke_module._Resolver, "_recorded_identity", resolves_again)
    inventory = build(spoke, findings, files)
    assert sum(len(entry.oauth) for entry in inventory.aliases) == sum(len(w.grants) for w in spoke.wirings)
    assert [(row.name, row.bound_by) for entry in inventory.aliases for row in entry.deleted] == [
        ("Exchange Online Mailbox (old)", "credential alias")
    ]


def test_a_deleted_credential_named_by_an_inactive_connection(tmp_path: Path) -> None:
    """Bound through the connection although the spoke ignores that connection: listed as deleted, not unresolved
    (CRD001 is for references the resolution needs)."""
    (tmp_path / "export.xml").write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n<unload unload_date="2024-01-01 00:00:00">\n'
        '<sys_alias action="INSERT_OR_UPDATE"><id>sn_ex_online_spke.Microsoft_Exchange_Online</id>'
        "<name>Microsoft_Exchange_Online</name><sys_id>a1</sys_id></sys_alias>\n"
        '<http_connection action="INSERT_OR_UPDATE"><active>false</active><connection_alias>a1</connection_alias>'
        "<credential>c1</credential><name>Old</name><sys_id>n1</sys_id></http_connection>\n"
        '<oauth_2_0_credentials action="DELETE"><active>true</active><name>Old OAuth</name>'
        "<sys_id>c1</sys_id></oauth_2_0_credentials>\n"
        '<http_connection action="DELETE"><connection_alias>a1</connection_alias><name>Gone</name>'
        "<sys_id>n2</sys_id></http_connection>\n</unload>\n",
        encoding="utf-8",
    )
    (entry,) = build(*_empty_run(tmp_path)).aliases
    assert [(row.name, row.bound_by) for row in entry.deleted] == [
        ("Old OAuth", "connection"), ("Gone", "connection alias")
    ]
    assert entry.unresolved == []


def test_a_recorded_token_that_names_no_account(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """EXO004 says the token carries no account claim; the inventory lists the token with no account and no claim."""
    claims = base64.urlsafe_b64encode(b'{"oid": "5185c961", "tid": "3f9a0c52"}').decode().rstrip("=")
    (tmp_path / "export.xml").write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n<unload unload_date="2024-01-01 00:00:00">\n'
        '<sys_alias action="INSERT_OR_UPDATE"><id>sn_ex_online_spke.Microsoft_Exchange_Online_MID</id>'
        "<name>Microsoft Exchange Online MID</name><sys_id>a1</sys_id></sys_alias>\n"
        '<oauth_2_0_credentials action="INSERT_OR_UPDATE"><active>true</active><name>OAuth</name><tag>a1</tag>'
        f"<u_authorized_as>eyJhbGciOiJSUzI1NiJ9.{claims}.c2ln</u_authorized_as><sys_id>c1</sys_id>"
        "</oauth_2_0_credentials>\n"
        '<windows_credentials action="INSERT_OR_UPDATE"><active>true</active><name>Mailbox</name><tag>a1</tag>'
        "<user_name>exo@contoso.com</user_name><sys_id>m1</sys_id></windows_credentials>\n</unload>\n",
        encoding="utf-8",
    )
    lint = _lint_json(tmp_path, str(tmp_path))
    (found,) = lint["findings"]
    assert found["rule"] == "EXO004"
    assert "its token carries no upn / preferred_username / unique_name claim" in found["message"]
    assert "names no account" in found["related"][0]["message"]
    data = _inventory_json(tmp_path, str(tmp_path))
    (oauth,) = data["aliases"][0]["oauth_credentials"]
    assert (oauth["identity"]["account"], oauth["identity"]["field"], oauth["identity"]["claim"]) == (
        "", "u_authorized_as", ""
    )
    assert main(["inventory", str(tmp_path), "--isolated"]) == 0
    text = capsys.readouterr().out
    assert "(no account)" in text and "u_authorized_as: token without upn / preferred_username / unique_name" in text


def test_a_diagram_too_large_to_draw_is_left_out_of_markdown(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    inventory = examples_inventory()
    diagram = render(inventory, "mermaid")
    assert mermaid.over_limits(diagram) == ""
    monkeypatch.setattr(mermaid, "MAX_EDGES", 3)
    assert mermaid.over_limits(diagram).endswith("over Mermaid's default limit of 3")
    markdown = render(inventory, "markdown")
    assert "```mermaid" not in markdown and "too large to be drawn" in markdown


def test_named_files_list_only_the_aliases_they_touch(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """As in a pre-commit run: the rest of the repository resolves references, only what the file touches is
    listed, and the verdicts still agree with the lint findings for the same arguments."""
    bundle = tmp_path / "repo"
    shutil.copytree(MULTI, bundle)
    (bundle / ".git").mkdir()
    monkeypatch.chdir(bundle)
    named = f"{SC}/windows_credentials_d377adaa2f1ebf14956f81dbf65ff587.xml"
    document = _inventory_json(tmp_path, named)
    assert [alias["id"] for alias in document["aliases"]] == ["x_cntso_exo_ops.Exchange_Online_MID_US"]
    findings = _lint_json(tmp_path, named)["findings"]
    verdicts = document["aliases"][0]["verdicts"]
    assert {(v["rule"], _at(v["location"])) for v in verdicts} == {
        (f["rule"], f"{f['path']}:{f['line']}:{f['column']}") for f in findings if f["rule"].startswith("EXO")
    }
    assert all(v["reported"] for v in verdicts)
    everything = _inventory_json(tmp_path, named, "--no-context")
    assert everything["aliases"] == []  # alone, the credential names an alias that is not in the inputs


def test_json_document_shape(multi: dict[str, Any]) -> None:
    assert multi["version"] == 1
    assert set(multi) == {"version", "tool", "aliases", "problems", "summary"}
    assert set(multi["aliases"][0]) == {
        "sys_id", "id", "name", "mailbox_alias", "parent", "location", "connections", "oauth_credentials",
        "mailbox_credentials", "other_credentials", "deleted", "unresolved", "verdicts",
    }
    verdict = multi["aliases"][0]["verdicts"][0]
    assert set(verdict) == {
        "verdict", "rule", "label", "mailbox_credential", "user", "oauth_credentials", "more", "account", "via",
        "reason", "reported", "severity", "location",
    }


# -- the generated example documents -------------------------------------------------------------------------------
def test_examples_inventory_is_current(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(ROOT)
    out = tmp_path / "inventory.md"
    assert main(["inventory", "examples", "--isolated", "-f", "markdown", "-o", str(out)]) == 0
    assert (ROOT / "examples" / "inventory.md").read_text(encoding="utf-8") == out.read_text(encoding="utf-8"), (
        "examples/inventory.md is stale: run `python -m linter.inventory` from the repository root"
    )
    markdown = out.read_text(encoding="utf-8")
    check_mermaid(markdown.split("```mermaid\n", 1)[1].split("```", 1)[0])


def test_docs_example_is_current(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    document = (ROOT / "docs" / "inventory.md").read_text(encoding="utf-8")
    assert replace_blocks(document, documented_blocks(examples_inventory())) == document, (
        "docs/inventory.md's example is stale: run `python -m linter.inventory` from the repository root"
    )
