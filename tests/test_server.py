"""`snlint server`: the language server driven by a real LSP client over stdio (a small JSON-RPC client here).

initialize; didOpen the examples' update set -> an EXO001 diagnostic at the Mailbox user name's range; didChange
fixing the user name -> the diagnostic disappears; a CRD004 code action's edit applied -> CRD004 disappears.
Ranges are LSP's (0-based, UTF-16 code units): checked on a line with non-ASCII characters.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path
from queue import Empty, Queue
from typing import Any

import pytest

from linter.model import Position
from linter.ruleset import builtin_rules
from linter.server import lsp_range

ROOT = Path(__file__).parent.parent
MAILBOX_USER = "mailbox.admin@contoso.com"
AUTHORISED = "exo.service@contoso.com"


class Client:
    """A minimal LSP client: Content-Length framed JSON-RPC over the server's stdin/stdout."""

    def __init__(self, cwd: Path) -> None:
        environment = {**os.environ, "PYTHONPATH": str(ROOT)}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "linter", "server"],
            cwd=cwd,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=environment,
        )
        self.messages: Queue[dict[str, Any]] = Queue()
        self.next_id = 0
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        stream = self.process.stdout
        assert stream is not None
        while True:
            headers = {}
            while True:
                line = stream.readline()
                if not line:
                    return
                if line in (b"\r\n", b"\n"):
                    break
                name, _, value = line.decode("ascii").partition(":")
                headers[name.strip().lower()] = value.strip()
            body = stream.read(int(headers["content-length"]))
            self.messages.put(json.loads(body))

    def send(self, message: dict[str, Any]) -> None:
        body = json.dumps({"jsonrpc": "2.0", **message}).encode("utf-8")
        stream = self.process.stdin
        assert stream is not None
        stream.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        stream.flush()

    def request(self, method: str, params: dict[str, Any]) -> Any:
        self.next_id += 1
        number = self.next_id
        self.send({"id": number, "method": method, "params": params})
        message = self.wait(lambda m: m.get("id") == number and "method" not in m)
        assert "error" not in message, message
        return message["result"]

    def notify(self, method: str, params: dict[str, Any]) -> None:
        self.send({"method": method, "params": params})

    def wait(self, wanted: Any, timeout: float = 60) -> dict[str, Any]:
        while True:
            try:
                message = self.messages.get(timeout=timeout)
            except Empty:
                raise AssertionError("no answer from the server") from None
            if wanted(message):
                return message

    def diagnostics(self, uri: str, version: int) -> list[dict[str, Any]]:
        message = self.wait(
            lambda m: m.get("method") == "textDocument/publishDiagnostics"
            and m["params"]["uri"] == uri
            and m["params"].get("version") == version
        )
        found: list[dict[str, Any]] = message["params"]["diagnostics"]
        return found

    def close(self) -> None:
        try:
            self.request("shutdown", {})
            self.notify("exit", {})
            self.process.wait(timeout=20)
        finally:
            if self.process.poll() is None:
                self.process.kill()
            for stream in (self.process.stdin, self.process.stdout, self.process.stderr):
                if stream is not None:
                    stream.close()


@pytest.fixture
def client(tmp_path: Path) -> Any:
    started = Client(tmp_path)
    started.request("initialize", {"processId": os.getpid(), "rootUri": tmp_path.as_uri(), "capabilities": {}})
    started.notify("initialized", {})
    yield started
    started.close()


def line_column_of(text: str, needle: str) -> tuple[int, int]:
    index = text.index(needle)
    line = text.count("\n", 0, index)
    return line, index - (text.rfind("\n", 0, index) + 1)


def open_example(tmp_path: Path, client: Client) -> tuple[Path, str, str]:
    """The examples' update set, copied to `tmp_path` and opened in the editor (version 1): its path, text, URI."""
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    path = tmp_path / "examples" / "update-sets" / "exchange_online_setup.xml"
    text = path.read_text(encoding="utf-8")
    uri = path.as_uri()
    client.notify("textDocument/didOpen",
                  {"textDocument": {"uri": uri, "languageId": "xml", "version": 1, "text": text}})
    return path, text, uri


def test_exo001_appears_and_goes_when_the_user_name_is_fixed(tmp_path: Path, client: Client) -> None:
    path, text, uri = open_example(tmp_path, client)
    found = client.diagnostics(uri, 1)
    (exo001,) = [item for item in found if item["code"] == "EXO001"]
    line, character = line_column_of(text, f"&lt;user_name&gt;{MAILBOX_USER}&lt;/user_name&gt;")
    start = character + len("&lt;user_name&gt;")
    assert exo001["range"] == {
        "start": {"line": line, "character": start},
        "end": {"line": line, "character": start + len(MAILBOX_USER)},
    }
    assert (line + 1, start + 1) == (222, 119)  # where `snlint` reports it
    assert exo001["severity"] == 1 and exo001["source"] == "snlint"
    assert exo001["codeDescription"]["href"] == builtin_rules()["EXO001"].help_uri
    assert exo001["relatedInformation"][0]["location"]["uri"] == uri
    # the fix typed in the editor: not saved (the file on disk keeps the mismatch)
    fixed = text.replace(f"&gt;{MAILBOX_USER}&lt;", f"&gt;{AUTHORISED}&lt;")
    client.notify("textDocument/didChange",
                  {"textDocument": {"uri": uri, "version": 2}, "contentChanges": [{"text": fixed}]})
    assert not [item for item in client.diagnostics(uri, 2) if item["code"] in ("EXO001", "EXO004")]
    assert path.read_text(encoding="utf-8") == text
    assert [item.name for item in path.parent.iterdir()] == [path.name]  # no temporary file beside it


def test_changes_typed_in_a_row_are_linted_once_typing_pauses(tmp_path: Path, client: Client) -> None:
    """Each lint reads the repository context: a burst of changes (faster than linter.server.PAUSE) is one lint, of
    the last version."""
    _, text, uri = open_example(tmp_path, client)
    assert [item for item in client.diagnostics(uri, 1) if item["code"] == "EXO001"]
    fixed = text.replace(f"&gt;{MAILBOX_USER}&lt;", f"&gt;{AUTHORISED}&lt;")
    for version in range(2, 7):  # typed: the fix comes last
        client.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": version},
                                                 "contentChanges": [{"text": fixed if version == 6 else text}]})
    seen: list[int] = []
    message = client.wait(lambda m: m.get("method") == "textDocument/publishDiagnostics"
                          and seen.append(m["params"].get("version")) is None and seen[-1] == 6)
    assert seen == [6]  # versions 2 to 5 were never linted
    assert not [item for item in message["params"]["diagnostics"] if item["code"] in ("EXO001", "EXO004")]


def test_a_crd004_code_action_fixes_a_non_ascii_line(tmp_path: Path, client: Client) -> None:
    path = tmp_path / "credentials.yaml"
    text = (
        "windows_credentials:\n"
        "  - sys_id: 5cd9dd8c720952103a946777183c8872\n"
        "    name: Boîte aux lettres \U0001f4ec\n"
        "    user_name: {'\U0001f4ec': 1}\n"
    )
    line = "    user_name: \"  sv\u00e7.\U0001f4ec@contoso.com\"  # \U0001f4ec\n"
    text = text.replace("    user_name: {'\U0001f4ec': 1}\n", line)
    path.write_text(text, encoding="utf-8")
    uri = path.as_uri()
    client.notify("textDocument/didOpen",
                  {"textDocument": {"uri": uri, "languageId": "yaml", "version": 1, "text": text}})
    (crd004,) = [item for item in client.diagnostics(uri, 1) if item["code"] == "CRD004"]
    value = '"  sv\u00e7.\U0001f4ec@contoso.com"'
    start = line.index(value)
    # UTF-16: the mailbox emoji is two code units
    assert crd004["range"] == {"start": {"line": 3, "character": start},
                               "end": {"line": 3, "character": start + len(value) + 1}}
    actions = client.request("textDocument/codeAction", {
        "textDocument": {"uri": uri},
        "range": crd004["range"],
        "context": {"diagnostics": [crd004]},
    })
    (action,) = actions
    assert action["kind"] == "quickfix"
    (edit,) = action["edit"]["changes"][uri]
    assert edit["newText"] == '"sv\u00e7.\U0001f4ec@contoso.com"'
    # apply the edit as an editor does: UTF-16 offsets on the line
    units = line.encode("utf-16-le")
    begin, end = edit["range"]["start"]["character"], edit["range"]["end"]["character"]
    new_line = (units[: begin * 2] + edit["newText"].encode("utf-16-le") + units[end * 2 :]).decode("utf-16-le")
    assert new_line == "    user_name: \"sv\u00e7.\U0001f4ec@contoso.com\"  # \U0001f4ec\n"
    client.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": 2},
                                             "contentChanges": [{"text": text.replace(line, new_line)}]})
    assert not [item for item in client.diagnostics(uri, 2) if item["code"] == "CRD004"]


def test_lsp_ranges_count_utf16_units_and_a_bom() -> None:
    text = "a\U0001f600b\r\nx\u00e9y\n"
    assert lsp_range(text, Position("f", 1, 3, 1, 4)) == {"start": {"line": 0, "character": 3},
                                                           "end": {"line": 0, "character": 4}}
    assert lsp_range(text, Position("f", 2, 2, 2, 3)) == {"start": {"line": 1, "character": 1},
                                                           "end": {"line": 1, "character": 2}}
    # an editor that keeps the BOM in the buffer: snlint's columns do not count it
    assert lsp_range("\ufeff" + text, Position("f", 1, 1, 1, 2))["start"] == {"line": 0, "character": 1}
