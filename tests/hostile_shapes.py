"""The hostile input shapes of issue 10, each as the files of one folder (relative path -> bytes), at a size given
by the caller: tests/test_hostile_regressions.py runs them at the issue's size with time and memory budgets, and
tests/test_fuzz.py uses small ones as seeds."""

from __future__ import annotations

import base64
from html import escape

MID = "sn_ex_online_spke.Microsoft_Exchange_Online_MID"
ALIAS = "1224e4dab82cd210928158889af97d76"
HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n<unload unload_date="2024-06-01 10:00:00">\n'
Files = dict[str, bytes]


def _alias(sys_id: str, alias_id: str, parent: str = "") -> str:
    return (f'<sys_alias action="INSERT_OR_UPDATE"><id>{alias_id}</id><name>{alias_id}</name>'
            f"<parent>{parent}</parent><sys_id>{sys_id}</sys_id></sys_alias>")


def _credential(table: str, sys_id: str, name: str, **fields: str) -> str:
    extra = "".join(f"<{key}>{value}</{key}>" for key, value in fields.items())
    return (f'<{table} action="INSERT_OR_UPDATE"><active>true</active><name>{name}</name><sys_id>{sys_id}</sys_id>'
            f"<tag>{ALIAS}</tag>{extra}</{table}>")


def _unload(records: list[str]) -> bytes:
    return (HEAD + "\n".join(records) + "\n</unload>\n").encode()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def dotted_user(dots: int) -> Files:
    """A Mailbox user name `a@` + dots + `@` (53 s at 100,000 with the backtracking UPN expression)."""
    return {"setup.xml": _unload([
        _alias(ALIAS, MID),
        _credential("oauth_2_0_credentials", "o1", "OAuth", u_authorized_as="exo@contoso.com"),
        _credential("windows_credentials", "m1", "Mailbox", user_name="a@" + "." * dots + "@"),
    ])}


def alias_chain(depth: int) -> Files:
    """A sys_alias parent chain written leaf first (38 s at 20,000 with the rescanning walk)."""
    records = [_alias(f"a{index}", f"x_acme.Chained_{index}", f"a{index + 1}") for index in range(depth)]
    records.append(_alias(f"a{depth}", "sn_ex_online_spke.Microsoft_Exchange_Online"))
    return {"aliases.xml": _unload(records)}


def commented_yaml(records: int) -> Files:
    """A YAML export with a comment on every line and one `# snlint:` line (113 s with a scan per `#`)."""
    lines = ["windows_credentials:  # the Mailbox credentials", "  # snlint: ignore[CRD004] reviewed (CHG0031337)"]
    for index in range(records):
        lines += [f"  - sys_id: a{index:031x}  # record {index}", f"    name: 'Mailbox #{index}'  # quoted, a hash",
                  f"    user_name: svc{index}@fabrikam.com  # the account", "    order: 100  # the default"]
    return {"credentials.yaml": ("\n".join(lines) + "\n").encode()}


def suppressed_findings(count: int) -> Files:
    """`count` inline suppressions over `count` findings (a CRD004 each) in one list export (6.7 s at 10,000 with
    a scan of every suppression per finding)."""
    records = "".join(
        f'<windows_credentials action="INSERT_OR_UPDATE">\n<name>Mailbox {index}</name>\n'
        f"<sys_id>{index:032x}</sys_id>\n<!-- snlint: ignore[CRD004] legacy account -->\n"
        f"<user_name> svc.{index}@contoso.com</user_name>\n</windows_credentials>\n"
        for index in range(count)
    )
    text = f'<?xml version="1.0" encoding="UTF-8"?>\n<unload>\n{records}</unload>\n'
    return {"windows_credentials.xml": text.encode()}


def missing_credentials(count: int) -> Files:
    """One connection naming `count` missing credentials, with `count` Mailbox credentials (2.8 GB and 569 MB of
    output at 2,000 when every EXO004 repeated every reference)."""
    missing = ",".join(f"{index:032x}" for index in range(count))
    return {"setup.xml": _unload([
        _alias(ALIAS, MID),
        '<http_connection action="INSERT_OR_UPDATE"><active>true</active>'
        f"<connection_alias>{ALIAS}</connection_alias><credential>{missing}</credential><name>MID connection</name>"
        "<sys_id>conn</sys_id></http_connection>",
        *(_credential("windows_credentials", f"m{index}", f"Mailbox {index}", user_name=f"mbx{index}@contoso.com")
          for index in range(count)),
    ])}


def crossed_pairs(count: int) -> Files:
    """`count` Mailbox x `count` OAuth credentials of one alias, every account different (360,000 findings and
    1.1 GB at 600 before findings were grouped per Mailbox credential)."""
    return {"setup.xml": _unload([
        _alias(ALIAS, MID),
        *(_credential("oauth_2_0_credentials", f"o{index}", f"OAuth {index}", u_authorized_as=f"exo{index}@contoso.com")
          for index in range(count)),
        *(_credential("windows_credentials", f"m{index}", f"Mailbox {index}", user_name=f"mbx{index}@contoso.com")
          for index in range(count)),
    ])}


def package_lock(megabytes: float) -> Files:
    """A JSON file that is not an export, mentioning `result` and `sys_id` (1.1 GB at 40 MB when parsed whole)."""
    entry = ('    "node_modules/pkg-{0}": {{"version": "1.0.{0}", "resolved": "https://registry.npmjs.org/pkg", '
             '"result": [{{"sys_id": "x"}}]}},\n')
    count = int(megabytes * 1024 * 1024) // len(entry.format(0))
    body = "".join(entry.format(index) for index in range(count))
    return {"package-lock.json": ('{\n  "name": "contoso-servicenow-config",\n  "packages": {\n' + body
                                  + '    "": {}\n  }\n}\n').encode()}


def escaped_payload(megabytes: float) -> Files:
    """An update set whose one entity-escaped payload holds a Mailbox credential with `megabytes` of notes written
    as markup, so the file escapes it twice (1.06 GB at 50 MB)."""
    line = escape("<p>Owner: Messaging & Operations, rotated every 90 days</p>") + "\n"
    notes = line * int(megabytes * 1024 * 1024 * 0.78 / len(line))  # ~1.28x once escaped again in the file
    document = ('<?xml version="1.0" encoding="UTF-8"?><record_update table="windows_credentials">'
                '<windows_credentials action="INSERT_OR_UPDATE"><name>Mailbox</name>'
                f"<sys_id>{1:032x}</sys_id><user_name> svc@contoso.com</user_name><notes>{notes}</notes>"
                "</windows_credentials></record_update>")
    update = (f'<sys_update_xml action="INSERT_OR_UPDATE"><name>windows_credentials_{1:032x}</name>'
              f"<payload>{escape(document, quote=False)}</payload>"
              "<sys_updated_on>2024-09-04 08:15:02</sys_updated_on></sys_update_xml>\n")
    return {"update_set.xml": (HEAD + update + "</unload>\n").encode()}


def deep_token(depth: int) -> Files:
    """An unsigned JWT whose payload is `[` x depth in `authorized_as` (RecursionError in JSON decoding turned every
    EXO rule into SN000), beside a Mailbox credential of another account."""
    token = _b64(b'{"alg":"none"}') + "." + _b64(b"[" * depth) + "."
    return {"credentials.yaml": f"""\
sys_alias:
  - sys_id: {ALIAS}
    id: {MID}
oauth_2_0_credentials:
  - sys_id: b1111111111111111111111111111111
    name: Exchange Online OAuth
    tag: {ALIAS}
    authorized_as: '{token}'
  - sys_id: b2222222222222222222222222222222
    name: Exchange Online OAuth (renewed)
    tag: {ALIAS}
    authorized_as: exo.service@contoso.com
windows_credentials:
  - sys_id: b3333333333333333333333333333333
    name: Exchange Online Mailbox
    tag: {ALIAS}
    user_name: mailbox.admin@contoso.com
""".encode()}


def huge_hex_order(digits: int) -> Files:
    """`order: 0x` + `f` x digits (over Python's int conversion limit exited 2), beside a CRD004."""
    return {"credentials.yaml": f"""\
windows_credentials:
  - sys_id: b4444444444444444444444444444444
    name: Mailbox
    order: 0x{"f" * digits}
    user_name: ' svc@contoso.com'
""".encode()}


def seeds(scale: int = 1) -> dict[str, Files]:
    """Small instances of every shape for the fuzz tests (`scale` 10 for the deep run)."""
    return {
        "dotted_user": dotted_user(2_000 * scale),
        "alias_chain": alias_chain(300 * scale),
        "commented_yaml": commented_yaml(30 * scale),
        "suppressed_findings": suppressed_findings(100 * scale),
        "missing_credentials": missing_credentials(40 * scale),
        "crossed_pairs": crossed_pairs(15 * scale),
        "package_lock": package_lock(0.05 * scale),
        "escaped_payload": escaped_payload(0.05 * scale),
        "deep_token": deep_token(1_000),  # the issue's own shape, at any scale
        "huge_hex_order": huge_hex_order(3_700),
    }
