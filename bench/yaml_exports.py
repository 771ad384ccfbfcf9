#!/usr/bin/env python3
"""Realistic YAML and JSON credential exports of a given size, and what reading them costs with libyaml's parser
(ruamel.yaml.clib) and with ruamel.yaml's pure-Python one.

    python bench/yaml_exports.py                 # 1 and 10 MiB, YAML and JSON, C and pure: a table of numbers
    python bench/yaml_exports.py --sizes 1 --formats yaml

Each measurement runs in a fresh process (`--one`), so peak RSS is that read's own: CPU time of `read_yaml` (imports
and the schema validator paid before), the process's peak RSS above what it held before reading, and the
tracemalloc peak of a second read. The exports follow docs/credential-exports.md: records of the four Exchange
Online tables, comments, reference objects, `authorized_as` mappings, quoted timestamps, encrypted passwords.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

MIB = 1024 * 1024
TABLES = ("windows_credentials", "oauth_2_0_credentials", "sys_alias", "http_connection")


def _hex(rng: random.Random) -> str:
    return f"{rng.getrandbits(128):032x}"


def _records(rng: random.Random, index: int) -> dict[str, dict[str, object]]:
    """One Exchange Online group: a Mailbox credential, its OAuth credential, the alias and its connection."""
    user = f"svc.exo-{index}@fabrikam{index % 7}.com"
    updated = f"2024-09-{1 + index % 28:02d} 16:{index % 60:02d}:12"
    alias, oauth, profile = _hex(rng), _hex(rng), _hex(rng)
    return {
        "sys_alias": {"sys_id": alias, "id": f"sn_ex_online_spke.Microsoft_Exchange_Online_MID_{index}",
                      "name": f"Exchange Online {index}", "type": "connection", "sys_updated_on": updated},
        "http_connection": {"sys_id": _hex(rng), "name": f"Exchange Online connection {index}",
                            "connection_alias": {"value": alias, "display_value": f"Exchange Online {index}"},
                            "credential": {"value": oauth, "display_value": "Exchange Online Mailbox OAuth"},
                            "connection_url": "https://outlook.office365.com", "active": True, "order": 100,
                            "sys_updated_on": updated},
        "oauth_2_0_credentials": {
            "sys_id": oauth, "name": f"Exchange Online Mailbox OAuth {index}", "active": True, "order": 100,
            "oauth_entity_profile": {
                "value": profile, "display_value": "Exchange Online Mailbox default_profile",
                "link": f"https://fabrikam.service-now.com/api/now/table/oauth_entity_profile/{profile}"},
            "sys_class_name": "oauth_2_0_credentials", "sys_updated_on": updated,
            "authorized_as": {"upn": user, "oid": "0c7d2f4e-9a31-4b6e-8d15-3e2a9f7c4b60",
                              "tid": "72f988bf-86f1-41af-91ab-2d7cd011db47", "preferred_username": user}},
        "windows_credentials": {
            "sys_id": _hex(rng), "name": f"Exchange Online Mailbox {index}", "active": True, "user_name": user,
            "password": "\ufdde\ufddf\ufdd2" + _hex(rng) + "\ufdec\ufdd41\ufdecVq2mHk8Lw0TzXbN4cR7yPQ==" + _hex(rng)
                        + "\ufdee\ufdef",
            "tag": alias, "sys_updated_on": updated},
    }


def _yaml_value(value: object, indent: str) -> str:
    if isinstance(value, dict):
        return "".join(f"\n{indent}  {key}: {_yaml_value(item, indent + '  ')}" for key, item in value.items())
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str) and value[:4].isdigit():
        return f"'{value}'"  # a timestamp, quoted as exports write it
    return str(value)


def export(form: str, size: int, seed: int = 20241201) -> str:
    """A YAML (`{table: [records]}`, commented) or JSON (Table API `{"result": [...]}`) export of about `size` bytes."""
    rng = random.Random(seed)
    groups: list[dict[str, dict[str, object]]] = []
    written = 0
    while written < size:
        groups.append(_records(rng, len(groups)))
        written += 1500 if form == "yaml" else 1900  # about one group's size: the result is measured below
    if form == "json":
        rows = [{**record, "sys_class_name": table} for group in groups for table, record in group.items()]
        return json.dumps({"result": rows}, indent=2, ensure_ascii=False) + "\n"
    lines = ["# Exchange Online credentials of the Mailbox Automation app, exported from",
             "# https://fabrikam.service-now.com with tools/export_credentials.py (Table API), 2024-09-12.", ""]
    for table in TABLES:
        lines.append(f"{table}:")
        for number, group in enumerate(groups):
            record = group[table]
            first = True
            for key, value in record.items():
                comment = "   # the account that signed in at Get OAuth Token" if key == "authorized_as" else ""
                written = _yaml_value(value, "    ")
                gap = "" if written.startswith("\n") else " "
                lines.append(f"  {'- ' if first else '  '}{key}:{gap}{written}{comment}")
                first = False
            if number % 50 == 0:
                lines.append("    # reviewed by the platform team")
        lines.append("")
    return "\n".join(lines)


def one(path: str, pure: bool) -> dict[str, float]:
    """Read `path` once (in this process): CPU seconds, peak RSS growth and tracemalloc peak, in MiB."""
    from linter.read import yamldoc
    from linter.read.base import ReadOptions
    from linter.read.yaml import read_yaml

    if pure:
        yamldoc.c_parser = lambda: None  # type: ignore[assignment]
    options = ReadOptions(tables=frozenset(TABLES))
    small = Path(tempfile.mkdtemp()) / f"warm{Path(path).suffix}"
    small.write_text(export(Path(path).suffix.lstrip("."), 2000), encoding="utf-8")

    def read(name: str) -> int:
        fd = os.open(name, os.O_RDONLY)
        try:
            result = read_yaml(name, options, fd, os.fstat(fd).st_size)
        finally:
            os.close(fd)
        assert not result.findings and result.records, result.findings[:3]
        return len(result.records)

    read(str(small))  # imports and the schema validator
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.process_time()
    records = read(path)
    cpu = time.process_time() - start
    rss = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    tracemalloc.start()
    read(path)
    traced = tracemalloc.get_traced_memory()[1] / MIB
    tracemalloc.stop()
    return {"cpu": cpu, "rss": rss, "traced": traced, "records": records}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=float, nargs="+", default=[1, 10], help="MiB")
    parser.add_argument("--formats", nargs="+", default=["yaml", "json"])
    parser.add_argument("--one", nargs=2, metavar=("PATH", "PARSER"), help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.one:
        print(json.dumps(one(arguments.one[0], arguments.one[1] == "pure")))
        return
    folder = Path(tempfile.mkdtemp(prefix="snlint-yaml-bench-"))
    print("| input | size | parser | records | CPU s | peak RSS growth MiB | tracemalloc peak MiB |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for form in arguments.formats:
        for size in arguments.sizes:
            path = folder / f"credentials-{size:g}mb.{form}"
            path.write_text(export(form, int(size * MIB)), encoding="utf-8")
            for kind in ("c", "pure") if form == "yaml" else ("c",):  # JSON never reaches either parser
                out = subprocess.run([sys.executable, __file__, "--one", str(path), kind], check=True,
                                     capture_output=True, text=True).stdout
                got = json.loads(out)
                parser_name = {"c": "libyaml", "pure": "pure Python"}[kind] if form == "yaml" else "JSON reader"
                print(f"| {form} | {path.stat().st_size / MIB:.2f} MiB | {parser_name} | {got['records']:.0f} | "
                      f"{got['cpu']:.2f} | {got['rss']:.0f} | {got['traced']:.0f} |", flush=True)


if __name__ == "__main__":
    main()
