#!/usr/bin/env python3
"""Deterministic generators of large ServiceNow exports for the snlint benchmark.

Writes into an output directory (default: $TMPDIR/snlint-bench, outside any git repository):

  update_set_<size>mb.xml    an exported update set: <unload>, sys_remote_update_set, sys_update_xml records
  repo_<files>/              a source-control application repository with <files> record files
  small/<name>.xml           one ~2 KB record_update file holding an Exchange Online Windows credential

The same seed and parameters always give byte-identical files. Sizes are in MiB (2**20 bytes).
Standard library only, so it runs before the linter is installed.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
import zlib
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

# Outside any git repository on purpose: snlint given files reads the surrounding repository as context (as in
# pre-commit), and the inputs should not pick up this project's own examples and fixtures. The generated
# source-control repository is a git repository of its own, so it is its own context.
DEFAULT_OUT = Path(tempfile.gettempdir()) / "snlint-bench"
DEFAULT_SEED = 20240611
MIB = 1024 * 1024

App = tuple[str, str, str]  # (scope, display name, sys_id)
Fields = dict[str, tuple[str, str]]  # field name -> (value, preformatted attributes)
WRITE_CHUNK = 8 * MIB
XML_DECL = '<?xml version="1.0" encoding="UTF-8"?>'

# Fields whose values are code: record files and entity-escaped payloads keep them in CDATA sections.
CODE_FIELDS = frozenset({"script", "script_true", "script_false", "condition", "calculation"})

# Exchange Online spoke: one record of each of these tables per EXO group, in this order.
EXO_TABLES = ("sys_alias", "http_connection", "oauth_2_0_credentials", "windows_credentials")
EXO_ALIAS_ID = "sn_ex_online_spke.Microsoft_Exchange_Online_MID"
EXO_SCOPE = ("sn_ex_online_spke", "Microsoft Exchange Online Spoke", "3c1d1e6a53a21010a9e7ddeeff7b12aa")
EXO_PROFILE = "Microsoft Exchange Online default_profile"
EXO_EVERY = 1000  # in the update set, one EXO group (4 records) per this many records
REPO_EXO_EVERY = 5000  # in the repository, one EXO group per this many files (at least one group)

# Encrypted field envelope (password2 / key-management framework): noncharacters around key id and base64.
ENC_START, ENC_SEP, ENC_KEY_VERSION, ENC_DATA, ENC_END = (
    "\ufdde\ufddf\ufdd2",
    "\ufdec",
    "\ufdd4",
    "\ufded",
    "\ufdee\ufdef",
)

_WORDS_TEXT = (
    "account approval asset audit batch billing cache catalog change config contract cost customer "
    "device domain email escalation event export facility group hardware import incident inventory "
    "knowledge license location mailbox metric notification order outage portal priority problem "
    "procurement queue release request resource review risk schedule service sla software stage survey "
    "task team tenant ticket token vendor visit workflow"
)
WORDS = tuple(_WORDS_TEXT.split())
_TABLES_TEXT = (
    "incident change_request problem sc_req_item sc_task task cmdb_ci alm_asset sys_user sys_user_group "
    "kb_knowledge x_acme_hd_ticket x_acme_hd_visit x_acme_hd_vendor"
)
TABLES = tuple(_TABLES_TEXT.split())
VAR_PREFIXES = ("gr", "rec", "task", "item", "ci", "user", "out", "cfg")
USERS = ("admin", "maint", "jane.doe", "john.smith", "a.kowalski", "m.rossi", "li.wei", "s.okafor")
APPS = (
    ("x_acme_hd", "Acme Helpdesk", "6a1f0c2e1b3a2010b7e4dcf2604bcb11"),
    ("global", "Global", "global"),
)


def stable_id(*parts: object) -> str:
    """A 32-hex sys_id that depends only on its inputs (used for cross-references between records)."""
    return hashlib.md5("/".join(map(str, parts)).encode()).hexdigest()


def esc(text: str) -> str:
    """Escape character data; a CR survives as &#13; like ServiceNow writes it."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")


def esc_attr(text: str) -> str:
    return esc(text).replace('"', "&quot;")


def ref(display: str) -> str:
    """Attributes of a reference field."""
    return f' display_value="{esc_attr(display)}"'


@dataclass
class Record:
    """One ServiceNow record: fields are (name, value, preformatted attributes), sorted by name."""

    table: str
    sys_id: str
    fields: list[tuple[str, str, str]]
    action: str = "INSERT_OR_UPDATE"
    record_attrs: str = ""  # extra attributes of the record element (sys_dictionary: element, table)
    update_name: str = ""  # sys_update_xml.name, defaults to <table>_<sys_id>
    type_label: str = ""
    target_name: str = ""
    related_table: str = ""
    companions: str = ""  # extra elements after the record inside <record_update> (compact XML)

    def __post_init__(self) -> None:
        self.update_name = self.update_name or f"{self.table}_{self.sys_id}"


def compact_field(name: str, value: str, attrs: str, code_in_cdata: bool) -> str:
    if not value:
        return f"<{name}{attrs}/>"
    if code_in_cdata and name in CODE_FIELDS:
        return f"<{name}{attrs}><![CDATA[{value}]]></{name}>"
    return f"<{name}{attrs}>{esc(value)}</{name}>"


def payload_document(rec: Record, code_in_cdata: bool, header_attrs: str) -> str:
    """The inner <record_update> document of a sys_update_xml payload (one line, no indentation)."""
    body = "".join(compact_field(n, v, a, code_in_cdata) for n, v, a in rec.fields)
    return (
        f'{XML_DECL}<record_update{header_attrs}><{rec.table} action="{rec.action}"{rec.record_attrs}>'
        f"{body}</{rec.table}>{rec.companions}</record_update>"
    )


def record_file(rec: Record) -> str:
    """A source-control record file: declaration and root on line 1, body indented by 4 spaces."""
    lines = [f'{XML_DECL}<record_update table="{rec.table}">']
    lines.append(f'    <{rec.table} action="{rec.action}"{rec.record_attrs}>')
    lines.extend("        " + compact_field(n, v, a, True) for n, v, a in rec.fields)
    lines.append(f"    </{rec.table}>")
    lines.append("</record_update>\n")
    return "\n".join(lines)


def encrypted(rng: random.Random) -> str:
    key_id = f"{rng.getrandbits(128):032x}"
    wrapped_key = base64.b64encode(rng.randbytes(16)).decode()
    blob = wrapped_key + base64.b64encode(rng.randbytes(rng.randint(24, 48))).decode()
    return f"{ENC_START}{key_id}{ENC_SEP}{ENC_KEY_VERSION}1{ENC_SEP}{ENC_DATA}{blob}{ENC_END}"


# --- JavaScript bodies -------------------------------------------------------------------------------------
# Each block is balanced and uses <, >, & and quotes so escaping matters. None may contain "]]>".
JS_BLOCKS = (
    "var {v} = new GlideRecord('{t}');\n{v}.addQuery('{f}', '{s}');\n{v}.addActiveQuery();\n{v}.query();\n"
    "while ({v}.next()) {{\n\tresult.push({v}.getUniqueValue());\n}}",
    "if ({v} && {v}.{f} > {n} && {v}.{f} < {m}) {{\n\tgs.info('{s}: ' + {v}.{f} + ' in range');\n}}",
    "for (var i = 0; i < {n}; i++) {{\n\ttotal += values[i] || 0;\n}}",
    "try {{\n\tvar {v} = JSON.parse(payload || '{{}}');\n\tthis.{f} = {v}.{f};\n}} catch (e) {{\n"
    "\tgs.error('{s} failed: ' + e.message);\n}}",
    "var url = this.baseUrl + '/api/now/table/{t}?sysparm_query=active%3Dtrue&sysparm_limit={n}';",
    "var html = '<div class=\"{s}\">' + GlideStringUtil.escapeHTML({v}) + '</div>';",
    "// {s}: keep the {f} of the {t} record in sync with the parent ({n} retries at most)",
    "var {v} = current.getValue('{f}') >= {n} ? '{s}' : gs.getProperty('x_acme_hd.{f}.default', '{s}');",
    "if (!gs.hasRole('x_acme_hd.{s}') || current.{f}.nil()) {{\n\treturn false;\n}}",
    "var {v} = new GlideAggregate('{t}');\n{v}.addAggregate('COUNT');\n{v}.groupBy('{f}');\n{v}.query();",
    "/**\n * Returns the {f} of the given {t}.\n * @param {{GlideRecord}} record\n"
    " * @returns {{string}}\n */",
    "gs.eventQueue('x_acme_hd.{s}.{f}', current, current.{f}, gs.getUserID());",
    "var {v} = [];\n{v}.push({{ name: '{s}', value: {n}, ok: {n} <= {m} && true }});",
)


class Generator:
    """Deterministic record factory. Every random choice goes through one seeded Random."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.seed = seed
        self.base_time = 1_704_067_200  # 2024-01-01 00:00:00 UTC
        rng = self.rng
        self.js_pool = [self._render_block(rng.choice(JS_BLOCKS)) for _ in range(4000)]

    # small helpers
    def sid(self) -> str:
        return f"{self.rng.getrandbits(128):032x}"

    def ts(self) -> str:
        moment = self.base_time + self.rng.randrange(40_000_000)
        return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(moment))

    def word(self) -> str:
        return self.rng.choice(WORDS)

    def ident(self, parts: int = 2) -> str:
        return "_".join(self.word() for _ in range(parts))

    def camel(self, parts: int = 2) -> str:
        return "".join(self.word().capitalize() for _ in range(parts))

    def sentence(self, low: int = 4, high: int = 14) -> str:
        text = " ".join(self.word() for _ in range(self.rng.randint(low, high)))
        return text.capitalize() + "."

    def _render_block(self, template: str) -> str:
        rng = self.rng
        n = rng.randint(1, 500)
        return template.format(
            v=rng.choice(VAR_PREFIXES) + self.word().capitalize(),
            t=rng.choice(TABLES),
            f=self.ident(rng.randint(1, 2)),
            s=self.ident(rng.randint(1, 3)),
            n=n,
            m=n + rng.randint(1, 500),
        )

    def js_body(self, blocks: int, indent: str) -> str:
        text = "\n".join(self.rng.choices(self.js_pool, k=blocks))
        return "\n".join(indent + line for line in text.split("\n"))

    def sys_fields(self, table: str, sys_id: str, sys_name: str, app: App) -> Fields:
        scope, app_name, app_id = app
        created = self.ts()
        return {
            "sys_class_name": (table, ""),
            "sys_created_by": (self.rng.choice(USERS), ""),
            "sys_created_on": (created, ""),
            "sys_id": (sys_id, ""),
            "sys_mod_count": (str(self.rng.randint(0, 40)), ""),
            "sys_name": (sys_name, ""),
            "sys_package": (app_id, f'{ref(app_name)} source="{scope}"'),
            "sys_policy": ("", ""),
            "sys_scope": (app_id, ref(app_name)),
            "sys_update_name": (f"{table}_{sys_id}", ""),
            "sys_updated_by": (self.rng.choice(USERS), ""),
            "sys_updated_on": (max(created, self.ts()), ""),
        }

    def make(self, table: str, fields: Fields, app: App, **kw: str) -> Record:
        sys_id = kw.pop("sys_id", "") or self.sid()
        name = fields.get("name", (table, ""))[0]
        merged = self.sys_fields(table, sys_id, name, app) | fields
        rows = [(key, value, attrs) for key, (value, attrs) in sorted(merged.items())]
        return Record(table=table, sys_id=sys_id, fields=rows, **kw)

    def app(self) -> App:
        return APPS[0] if self.rng.random() < 0.85 else APPS[1]

    # --- ordinary records (what update sets are mostly made of) ---
    def script_include(self) -> Record:
        rng, app = self.rng, self.app()
        name = self.camel(rng.randint(2, 3)) + rng.choice(("Utils", "Helper", "Ajax", "Service", "API"))
        methods = []
        for _ in range(rng.randint(1, 8)):
            body = self.js_body(rng.randint(1, 12), "\t\t")
            methods.append(
                f"\t{self.word()}{self.word().capitalize()}: function(record, options) {{\n"
                f"\t\tvar result = [];\n{body}\n\t\treturn result;\n\t}},\n"
            )
        ajax = rng.random() < 0.3
        opener = "Object.extendsObject(global.AbstractAjaxProcessor, {" if ajax else "{"
        script = (
            f"var {name} = Class.create();\n{name}.prototype = {opener}\n"
            "\tinitialize: function() {\n\t\tthis.baseUrl = gs.getProperty('glide.servlet.uri');\n\t},\n\n"
            + "\n".join(methods)
            + f"\n\ttype: '{name}'\n}}{')' if ajax else ''};\n"
        )
        fields = {
            "access": (rng.choice(("package_private", "public")), ""),
            "active": ("true", ""),
            "api_name": (f"{app[0]}.{name}", ""),
            "caller_access": ("", ""),
            "client_callable": (str(ajax).lower(), ""),
            "description": (self.sentence() if rng.random() < 0.6 else "", ""),
            "mobile_callable": ("false", ""),
            "name": (name, ""),
            "sandbox_callable": ("false", ""),
            "script": (script, ""),
        }
        return self.make("sys_script_include", fields, app, type_label="Script Include", target_name=name)

    def business_rule(self) -> Record:
        rng, app = self.rng, self.app()
        table = rng.choice(TABLES)
        name = self.sentence(2, 5).rstrip(".")
        script = (
            "(function executeRule(current, previous /*null when async*/) {\n\n"
            + self.js_body(rng.randint(1, 10), "\t")
            + "\n\n})(current, previous);"
        )
        when = rng.choice(("before", "after", "async", "display"))
        fields = {
            "abort_action": ("false", ""),
            "access": ("package_private", ""),
            "action_delete": ("false", ""),
            "action_insert": (str(rng.random() < 0.7).lower(), ""),
            "action_query": ("false", ""),
            "action_update": ("true", ""),
            "active": (str(rng.random() < 0.9).lower(), ""),
            "add_message": ("false", ""),
            "advanced": ("true", ""),
            "change_fields": ("false", ""),
            "client_callable": ("false", ""),
            "collection": (table, ""),
            "condition": (f"current.{self.word()}.changes() && current.priority < {rng.randint(2, 5)}", ""),
            "description": (self.sentence() if rng.random() < 0.5 else "", ""),
            "execute_function": ("false", ""),
            "filter_condition": (f"{self.word()}={rng.randint(1, 9)}^EQ", f' table="{table}"'),
            "is_rest": ("false", ""),
            "message": ("", ""),
            "name": (name, ""),
            "order": (str(rng.choice((100, 200, 500, 1000))), ""),
            "priority": ("100", ""),
            "rest_method": ("", ""),
            "role_conditions": ("", ""),
            "script": (script, ""),
            "template": ("", ""),
            "when": (when, ""),
        }
        return self.make(
            "sys_script", fields, app, type_label="Business Rule", target_name=name, related_table=table
        )

    def ui_policy(self) -> Record:
        rng, app = self.rng, self.app()
        table = rng.choice(TABLES)
        short = self.sentence(3, 7).rstrip(".")
        run_scripts = rng.random() < 0.4

        def on_condition() -> str:
            return "function onCondition() {\n" + self.js_body(rng.randint(1, 4), "\t") + "\n}"

        fields = {
            "active": ("true", ""),
            "conditions": (f"state={rng.randint(1, 8)}^{self.word()}ISNOTEMPTY^EQ", ""),
            "description": (self.sentence() if rng.random() < 0.4 else "", ""),
            "global": ("true", ""),
            "inherit": ("false", ""),
            "isolate_script": ("true", ""),
            "model_id": ("", ""),
            "model_table": ("", ""),
            "on_load": ("true", ""),
            "order": ("100", ""),
            "reverse_if_false": ("true", ""),
            "run_scripts": (str(run_scripts).lower(), ""),
            "script_false": (on_condition() if run_scripts else "", ""),
            "script_true": (on_condition() if run_scripts else "", ""),
            "short_description": (short, ""),
            "table": (table, ""),
            "ui_type": ("0", ref("Desktop")),
            "view": ("", ""),
        }
        return self.make(
            "sys_ui_policy", fields, app, type_label="UI Policy", target_name=short, related_table=table
        )

    def ui_policy_action(self) -> Record:
        rng, app = self.rng, self.app()
        table = rng.choice(TABLES)
        field_name = self.ident(1)
        fields = {
            "cleared": ("false", ""),
            "disabled": (rng.choice(("ignore", "true", "false")), ""),
            "field": (field_name, ""),
            "mandatory": (rng.choice(("ignore", "true")), ""),
            "table": (table, ""),
            "ui_policy": (self.sid(), ref(self.sentence(3, 6).rstrip("."))),
            "value": ("", ""),
            "value_action": ("ignore", ""),
            "visible": (rng.choice(("ignore", "true", "false")), ""),
        }
        return self.make(
            "sys_ui_policy_action",
            fields,
            app,
            type_label="UI Policy Action",
            target_name=f"{table}.{field_name}",
            related_table=table,
        )

    def dictionary(self) -> Record:
        rng, app = self.rng, self.app()
        table = rng.choice(TABLES)
        column = ("u_" if app[0] == "global" else "") + self.ident(rng.randint(1, 2))
        label = column.removeprefix("u_").replace("_", " ").capitalize()
        internal = rng.choice(("string", "integer", "boolean", "reference", "glide_date_time", "choice"))
        calc = (
            "(function calculatedFieldValue(current) {\n\n\t// Add your code here\n"
            "\treturn '';  // return the calculated value\n\n})(current);"
        )
        fields: Fields = {
            key: ("false", "")
            for key in (
                "array",
                "array_denormalized",
                "audit",
                "display",
                "dynamic_creation",
                "element_reference",
                "function_field",
                "mandatory",
                "primary",
                "read_only",
                "reference_floats",
                "spell_check",
                "staged",
                "text_index",
                "unique",
                "virtual",
                "xml_view",
            )
        }
        fields |= {
            key: ("", "")
            for key in (
                "attributes",
                "choice_field",
                "choice_table",
                "comments",
                "create_roles",
                "default_value",
                "defaultsort",
                "delete_roles",
                "dependent",
                "dependent_on_field",
                "dynamic_creation_script",
                "dynamic_default_value",
                "dynamic_ref_qual",
                "foreign_database",
                "function_definition",
                "next_element",
                "read_roles",
                "reference_cascade_rule",
                "reference_key",
                "reference_qual",
                "reference_qual_condition",
                "reference_type",
                "sizeclass",
                "table_reference",
                "use_reference_qualifier",
                "write_roles",
            )
        }
        fields |= {
            "active": ("true", ""),
            "calculation": (calc, ""),
            "choice": ("1" if internal == "choice" else "", ""),
            "column_label": (label, ""),
            "element": (column, ""),
            "internal_type": (internal, ref(internal.replace("_", " ").title())),
            "max_length": (str(rng.choice((40, 80, 100, 255, 4000))), ""),
            "name": (table, ""),
            "reference": ("sys_user" if internal == "reference" else "", ""),
            "sys_name": (label, ""),
        }
        action = "DELETE" if rng.random() < 0.05 else "INSERT_OR_UPDATE"
        rec = self.make(
            "sys_dictionary",
            fields,
            app,
            action=action,
            record_attrs=f' element="{column}" table="{table}"',
            update_name=f"sys_dictionary_{table}_{column}",
            type_label="Dictionary",
            target_name=f"{label}",
            related_table=table,
        )
        return rec

    def system_property(self) -> Record:
        rng, app = self.rng, self.app()
        name = f"{app[0] if app[0] != 'global' else 'glide'}.{self.ident(1)}.{self.ident(rng.randint(1, 2))}"
        kind = rng.choice(("string", "boolean", "integer", "choicelist", "password2"))
        value = {"boolean": rng.choice(("true", "false")), "integer": str(rng.randint(0, 10_000))}.get(
            kind, self.ident(rng.randint(1, 3))
        )
        description = self.sentence(6, 30)
        if rng.random() < 0.05:  # a description pasted from Windows: CRs survive as &#13;
            description = description.replace(" ", "\r\n", 2)
        fields = {
            "choices": ("", ""),
            "description": (description, ""),
            "ignore_cache": ("false", ""),
            "is_private": ("false", ""),
            "name": (name, ""),
            "read_roles": ("", ""),
            "suffix": (name.split(".", 1)[1], ""),
            "type": (kind, ""),
            "value": (encrypted(rng) if kind == "password2" else value, ""),
            "write_roles": ("", ""),
        }
        return self.make(
            "sys_properties",
            fields,
            app,
            type_label="System Property",
            target_name=name,
            companions=self._translated_text(),
        )

    def acl(self) -> Record:
        rng, app = self.rng, self.app()
        table = rng.choice(TABLES)
        name = table if rng.random() < 0.5 else f"{table}.{self.ident(1)}"
        operation = rng.choice(("read", "write", "create", "delete"))
        advanced = rng.random() < 0.4
        script = (
            f"answer = gs.hasRole('{app[0]}.{self.word()}') && current.active == true;" if advanced else ""
        )
        fields = {
            "active": ("true", ""),
            "admin_overrides": ("true", ""),
            "advanced": (str(advanced).lower(), ""),
            "condition": ("", ""),
            "decision_type": ("allow", ""),
            "description": (self.sentence() if rng.random() < 0.5 else "", ""),
            "local_or_existing": ("Existing", ""),
            "name": (name, ""),
            "operation": (operation, ref(operation)),
            "script": (script, ""),
            "type": ("record", ref("record")),
        }
        return self.make(
            "sys_security_acl",
            fields,
            app,
            type_label="Access Control",
            target_name=name,
            related_table=table,
        )

    def ui_action(self) -> Record:
        rng, app = self.rng, self.app()
        table = rng.choice(TABLES)
        name = self.sentence(1, 3).rstrip(".")
        client = rng.random() < 0.3
        script = self.js_body(rng.randint(1, 8), "")
        fields = {
            "action_name": (self.ident(2), ""),
            "active": ("true", ""),
            "client": (str(client).lower(), ""),
            "comments": ("", ""),
            "condition": (f"current.canWrite() && current.state < {rng.randint(3, 7)}", ""),
            "form_button": ("true", ""),
            "form_context_menu": ("false", ""),
            "form_link": ("false", ""),
            "hint": (self.sentence(3, 8), ""),
            "list_banner_button": ("false", ""),
            "name": (name, ""),
            "onclick": (f"{self.word()}Click();" if client else "", ""),
            "order": ("100", ""),
            "script": (script, ""),
            "show_insert": ("true", ""),
            "show_update": ("true", ""),
            "table": (table, ""),
        }
        return self.make(
            "sys_ui_action",
            fields,
            app,
            type_label="UI Action",
            target_name=name,
            related_table=table,
            companions=self._translated_text(),
        )

    def _translated_text(self) -> str:
        if self.rng.random() < 0.5:
            return ""
        return f'<sys_translated_text action="delete_multiple" query="documentkey={self.sid()}"/>'

    def ordinary(self, with_dictionary: bool = True) -> Record:
        """One record of the everyday mix (weights roughly as in real application update sets)."""
        mix: list[tuple[Callable[[], Record], int]] = [
            (self.script_include, 22),
            (self.business_rule, 12),
            (self.ui_policy, 8),
            (self.ui_policy_action, 10),
            (self.system_property, 12),
            (self.acl, 12),
            (self.ui_action, 8),
        ]
        if with_dictionary:
            mix.append((self.dictionary, 16))
        make = self.rng.choices([m for m, _ in mix], weights=[w for _, w in mix])[0]
        return make()

    # --- Exchange Online spoke records ---
    @staticmethod
    def exo_users(group: int) -> tuple[str, str]:
        """(OAuth-authorised UPN, Mailbox user_name): equal, different, case-only or domain-only."""
        local = f"svc.exo.mailbox{group:03d}"
        authorised = f"{local}@contoso.com"
        mailbox = (
            authorised,
            f"j.doe{group:03d}@contoso.com",  # a different account: the mismatch the linter must catch
            authorised.upper(),  # case-insensitive: same account
            f"{local}@contoso.onmicrosoft.com",  # initial domain vs custom domain: cannot be proven offline
        )[group % 4]
        return authorised, mailbox

    def exo_record(
        self, group: int, kind: int, extra_fields: Fields | None = None, sys_id: str = ""
    ) -> Record:
        """Record `kind` (an index into EXO_TABLES) of EXO group `group`, cross-referenced by stable ids."""
        ids = {table: stable_id(self.seed, "exo", group, table) for table in EXO_TABLES}
        alias_name = "Microsoft Exchange Online MID"
        oauth_name = f"Exchange_Online_MID_OAuth_{group:03d}"
        authorised, mailbox = self.exo_users(group)
        table = EXO_TABLES[kind]
        fields: Fields
        if table == "sys_alias":
            fields = {
                "configuration_template": ("", ""),
                "connection_type": ("http_connection", ""),
                "id": (EXO_ALIAS_ID, ""),
                "is_internal": ("false", ""),
                "multiple_connections": ("false", ""),
                "name": (alias_name, ""),
                "parent": ("", ""),
                "retry_policy": (stable_id("retry"), ref("Default HTTP Retry Policy")),
                "sys_name": (EXO_ALIAS_ID, ""),
                "type": ("connection", ""),
            }
            label = "Connection & Credential Alias"
        elif table == "http_connection":
            fields = {
                "active": ("true", ""),
                "connection_alias": (ids["sys_alias"], ref(alias_name)),
                "connection_url": ("https://127.0.0.1", ""),
                "credential": (ids["oauth_2_0_credentials"], ref(oauth_name)),
                "host": ("127.0.0.1", ""),
                "mid_selection": ("specific_mid", ""),
                "mid_server": (stable_id("mid", group), ref(f"mid-exo-{group:03d}")),
                "name": (alias_name, ""),
                "port": ("443", ""),
                "protocol": ("https", ""),
                "use_mid": ("true", ""),
            }
            label = "HTTP(s) Connection"
        elif table == "oauth_2_0_credentials":
            fields = {
                "active": ("true", ""),
                "applies_to": ("all", ""),
                "name": (oauth_name, ""),
                "oauth_entity_profile": (stable_id("profile"), ref(EXO_PROFILE)),
                "order": ("100", ""),
                "tag": (ids["sys_alias"], ""),
                "u_authorized_as": (authorised, ""),
            }
            label = "OAuth 2.0 Credentials"
        else:
            fields = {
                "active": ("true", ""),
                "applies_to": ("all", ""),
                "mid_list": ("", ""),
                "name": (f"Exchange Online Mailbox {group:03d}", ""),
                "order": ("100", ""),
                "password": (encrypted(self.rng), ""),
                "tag": (ids["sys_alias"], ""),
                "user_name": (mailbox, ""),
            }
            label = "Windows Credentials"
        fields |= extra_fields or {}
        return self.make(
            table,
            fields,
            EXO_SCOPE,
            sys_id=sys_id or ids[table],
            type_label=label,
            target_name=str(fields["name"][0]),
        )

    # --- sys_update_xml ---
    def update_xml(self, rec: Record, remote_set: tuple[str, str]) -> str:
        rng = self.rng
        escaped = rng.random() < 0.10
        roll = rng.random()
        header = (
            f' table="{rec.table}"'
            if roll < 0.85
            else (f' sys_domain="global" table="{rec.table}"' if roll < 0.95 else "")
        )
        inner = payload_document(rec, code_in_cdata=escaped, header_attrs=header)
        if escaped:
            payload = "<payload>" + inner.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        else:
            payload = "<payload><![CDATA[" + inner + "]]>"
        digest = zlib.crc32(inner.encode()) - 2**31
        guid = self.sid()
        history = f"{guid}:{digest}" if rng.random() < 0.7 else f"{guid}:{digest},{self.sid()}:{digest + 7}"
        app_id, app_attrs = next((v, a) for n, v, a in rec.fields if n == "sys_scope")
        created = self.ts()
        parts = (
            '<sys_update_xml action="INSERT_OR_UPDATE">',
            f"<action>{rec.action}</action>",
            f"<application{app_attrs}>{app_id}</application>",
            "<category>customer</category>",
            "<comments/>",
            f"<name>{rec.update_name}</name>",
            payload + "</payload>",
            f"<payload_hash>{digest}</payload_hash>",
            f"<remote_update_set{ref(remote_set[1])}>{remote_set[0]}</remote_update_set>",
            "<replace_on_upgrade>false</replace_on_upgrade>",
            f"<sys_created_by>{rng.choice(USERS)}</sys_created_by>",
            f"<sys_created_on>{created}</sys_created_on>",
            f"<sys_id>{self.sid()}</sys_id>",
            "<sys_mod_count>0</sys_mod_count>",
            f"<sys_recorded_at>{rng.getrandbits(72):018x}</sys_recorded_at>",
            f"<sys_updated_by>{rng.choice(USERS)}</sys_updated_by>",
            f"<sys_updated_on>{created}</sys_updated_on>",
            f"<table>{rec.related_table}</table>" if rec.related_table else "<table/>",
            f"<target_name>{esc(rec.target_name)}</target_name>",
            f"<type>{esc(rec.type_label)}</type>",
            "<update_domain>global</update_domain>",
            f"<update_guid>{guid}</update_guid>",
            f"<update_guid_history>{history}</update_guid_history>",
            '<update_set display_value=""/>',
            "<view/>",
            "</sys_update_xml>\n",
        )
        return "\n".join(parts)

    def remote_update_set(self, name: str, sys_id: str) -> str:
        scope, app_name, app_id = APPS[0]
        fields = [
            ("application", app_id, ref(app_name)),
            ("application_name", app_name, ""),
            ("application_scope", scope, ""),
            ("application_version", "1.4.0", ""),
            ("collisions", "", ""),
            ("commit_date", "", ""),
            ("deleted", "", ""),
            ("description", self.sentence(), ""),
            ("inserted", "", ""),
            ("name", name, ""),
            ("origin_sys_id", "", ""),
            ("parent", "", ref("")),
            ("release_date", "", ""),
            ("remote_base_update_set", "", ref("")),
            ("remote_parent_id", "", ""),
            ("remote_sys_id", self.sid(), ""),
            ("state", "loaded", ""),
            ("summary", "", ""),
            ("sys_class_name", "sys_remote_update_set", ""),
            ("sys_created_by", "admin", ""),
            ("sys_created_on", "2024-06-01 11:58:02", ""),
            ("sys_id", sys_id, ""),
            ("sys_mod_count", "0", ""),
            ("sys_updated_by", "admin", ""),
            ("sys_updated_on", "2024-06-01 11:58:02", ""),
            ("update_set", "", ref("")),
            ("update_source", "", ref("")),
            ("updated", "", ""),
        ]
        body = "\n".join(compact_field(n, v, a, False) for n, v, a in fields)
        return f'<sys_remote_update_set action="INSERT_OR_UPDATE">\n{body}\n</sys_remote_update_set>\n'


# --- the three inputs ---
def size_label(size_mb: float) -> str:
    return f"{size_mb:g}"


def update_set_path(out: Path, size_mb: float) -> Path:
    return out / f"update_set_{size_label(size_mb)}mb.xml"


def repo_path(out: Path, files: int) -> Path:
    return out / f"repo_{files}"


def small_path(out: Path, seed: int = DEFAULT_SEED) -> Path:
    return out / "small" / f"windows_credentials_{stable_id(seed, 'small')}.xml"


def write_update_set(path: Path, size_mb: float, seed: int = DEFAULT_SEED) -> int:
    """Write an update set of about size_mb MiB; returns the number of sys_update_xml records.

    A smaller size with the same seed gives a prefix of the same records (useful for linearity checks).
    """
    gen = Generator(seed)
    target = int(size_mb * MIB)
    remote_set = (gen.sid(), "Acme Helpdesk 1.4 - bulk")
    tail = b"</unload>\n"
    tmp = path.with_name(path.name + ".tmp")
    path.parent.mkdir(parents=True, exist_ok=True)
    count = 0
    with open(tmp, "wb") as out:
        written = out.write(f'{XML_DECL}<unload unload_date="2024-06-01 12:00:00">\n'.encode())
        written += out.write(gen.remote_update_set(remote_set[1], remote_set[0]).encode())
        chunk: list[bytes] = []
        pending = 0
        while written + pending + len(tail) < target:
            slot = count % EXO_EVERY
            if slot % (EXO_EVERY // 4) == 100:  # four EXO records spread over every EXO_EVERY records
                rec = gen.exo_record(count // EXO_EVERY, slot // (EXO_EVERY // 4))
            else:
                rec = gen.ordinary()
            data = gen.update_xml(rec, remote_set).encode()
            chunk.append(data)
            pending += len(data)
            count += 1
            if pending >= WRITE_CHUNK:
                written += out.write(b"".join(chunk))
                chunk, pending = [], 0
        out.write(b"".join(chunk))
        out.write(tail)
    os.replace(tmp, path)
    return count


def write_repo(root: Path, files: int, seed: int = DEFAULT_SEED) -> None:
    """A source-control repository: sn_source_control.properties + <app>/update/<table>_<sys_id>.xml files."""
    gen = Generator(seed + 1)
    app_id = APPS[0][2]
    tmp = root.with_name(root.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    update_dir = tmp / app_id / "update"
    update_dir.mkdir(parents=True)
    (tmp / "sn_source_control.properties").write_text(
        "#############################################################\n"
        "# This file contains the path to the app in this repo (generated by bench/generate.py)\n"
        "############################################################\n"
        "#\n#Sat Jun 01 05:00:00 PDT 2024\n"
        f"path={app_id}\n",
        encoding="utf-8",
    )
    groups = max(1, files // REPO_EXO_EVERY)
    spacing = max(1, files // (groups * len(EXO_TABLES)))
    exo_at = {(i * spacing + spacing // 2) % files: i for i in range(min(files, groups * len(EXO_TABLES)))}
    for index in range(files):
        if index in exo_at:
            slot = exo_at[index]
            rec = gen.exo_record(slot // len(EXO_TABLES), slot % len(EXO_TABLES))
        else:
            rec = gen.ordinary(with_dictionary=False)  # dictionary entries live in dictionary/, not update/
        (update_dir / f"{rec.update_name}.xml").write_bytes(record_file(rec).encode())
    subprocess.run(["git", "init", "-q", str(tmp)], check=False)  # its own repository (when git is installed)
    shutil.rmtree(root, ignore_errors=True)
    os.replace(tmp, root)


def write_small(path: Path, seed: int = DEFAULT_SEED) -> None:
    """One ~2 KB record file: an Exchange Online Mailbox (Windows) credential."""
    gen = Generator(seed + 2)
    extra = {
        "sys_domain": ("global", ref("global")),
        "sys_domain_path": ("/", ""),
        "sys_tags": ("", ""),
        "applies_to": ("specific", ""),
        "mid_list": (",".join(stable_id(seed, "mid", n) for n in range(3)), ""),
        "classification": ("", ""),
        "credential_storage_vault": ("", ""),
        "external_id": ("", ""),
        "use_high_security": ("false", ""),
    }
    rec = gen.exo_record(1, EXO_TABLES.index("windows_credentials"), extra, sys_id=stable_id(seed, "small"))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(record_file(rec).encode())


# --- verification: well-formedness of the files and of the documents inside payloads ---
def verify_update_set(path: Path) -> Counter[str]:
    """Parse the update set and every payload inside it; returns a count of the payload tables."""
    tables: Counter[str] = Counter()
    for _event, elem in ET.iterparse(path, events=("end",)):
        if elem.tag != "sys_update_xml":
            continue
        text = elem.findtext("payload") or ""
        inner = ET.fromstring(text.encode())
        if inner.tag != "record_update":
            raise ValueError(f"{path}: payload root is {inner.tag}")
        tables[inner[0].tag] += 1
        elem.clear()
    return tables


def verify_repo(root: Path) -> Counter[str]:
    tables: Counter[str] = Counter()
    for file in sorted(root.rglob("*.xml")):
        head = file.read_bytes()[:120]
        if not head.startswith(XML_DECL.encode() + b"<record_update table="):
            raise ValueError(f"{file}: unexpected first line")
        tables[ET.parse(file).getroot()[0].tag] += 1
    return tables


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"output directory (default: {DEFAULT_OUT})")
    parser.add_argument("--size-mb", type=float, default=200, help="update set size in MiB (default: 200)")
    parser.add_argument("--files", type=int, default=20_000, help="record files in the repo (default: 20000)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument(
        "--only",
        choices=("update-set", "repo", "small"),
        action="append",
        help="generate only this input (repeatable; default: all three)",
    )
    parser.add_argument(
        "--verify",
        action="store_true",
        help="afterwards parse every generated file and every payload (slow for big sets)",
    )
    args = parser.parse_args(argv)
    wanted = set(args.only or ("update-set", "repo", "small"))

    if "update-set" in wanted:
        path = update_set_path(args.out, args.size_mb)
        start = time.perf_counter()
        count = write_update_set(path, args.size_mb, args.seed)
        size = path.stat().st_size / MIB
        took = time.perf_counter() - start
        print(f"{path}: {size:.1f} MiB, {count} sys_update_xml records in {took:.1f} s")
        if args.verify:
            tables = verify_update_set(path)
            print(f"  verified {sum(tables.values())} payloads: {dict(tables.most_common())}")
    if "repo" in wanted:
        root = repo_path(args.out, args.files)
        start = time.perf_counter()
        write_repo(root, args.files, args.seed)
        print(f"{root}: {args.files} record files in {time.perf_counter() - start:.1f} s")
        if args.verify:
            tables = verify_repo(root)
            print(f"  verified {sum(tables.values())} files: {dict(tables.most_common())}")
    if "small" in wanted:
        path = small_path(args.out, args.seed)
        write_small(path, args.seed)
        print(f"{path}: {path.stat().st_size} bytes")
        if args.verify:
            ET.parse(path)
            print("  verified")
    return 0


if __name__ == "__main__":
    sys.exit(main())
