"""`snlint server`: a Language Server (pygls) over stdio, so editors show findings where they are typed.

Open XML, YAML and JSON exports are linted on open and save, and once typing pauses after a change (PAUSE), with
the repository context, as a file named on the command line is; the buffer's text is read from memory
(linter/buffers.py), never written to disk. Each finding is a diagnostic with the rule id as its code and the rule's
documentation as its link; a finding with a safe fix offers it as a quick fix. LSP positions are 0-based lines and
UTF-16 code units; snlint's are 1-based lines and code points: `lsp_range` converts between them, against the
buffer's own text.

pygls is an optional dependency (`pip install 'snlint[server]'`), imported only here.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import unquote, urlparse

from linter.discover import SUFFIXES
from linter.model import Finding, Position, Severity
from linter.read.positions import line_starts

NAME = "snlint"
PAUSE = 0.3  # seconds without a change before a changed buffer is linted (each lint reads the repository context)
_SEVERITY = {Severity.ERROR: 1, Severity.WARNING: 2, Severity.INFO: 3}  # LSP DiagnosticSeverity


# -- positions ------------------------------------------------------------------------------------------------------
def _utf16(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def lsp_position(text: str, starts: Sequence[int], line: int, column: int) -> dict[str, int]:
    """A 1-based (line, code-point column) of snlint as an LSP position in `text` (a BOM, if the editor keeps
    one, counts on the first line: snlint's columns do not count it)."""
    line = max(1, min(line, len(starts)))
    start = starts[line - 1]
    if line == 1 and text.startswith("\ufeff"):
        start += 1
    end = min(len(text), start + max(0, column - 1))
    return {"line": line - 1, "character": _utf16(text[starts[line - 1] : end])}


def lsp_range(text: str, position: Position, starts: Sequence[int] | None = None) -> dict[str, dict[str, int]]:
    starts = line_starts(text) if starts is None else starts
    start = lsp_position(text, starts, position.line, position.column)
    end_line = position.end_line or position.line
    end_column = position.end_column or position.column
    end = lsp_position(text, starts, end_line, end_column)
    if (end["line"], end["character"]) < (start["line"], start["character"]):
        end = start
    return {"start": start, "end": end}


# -- findings to diagnostics ------------------------------------------------------------------------------------------
def path_of(uri: str) -> str | None:
    """The file path of a file:// URI, or None for other schemes (untitled buffers, remote files)."""
    parsed = urlparse(uri)
    if parsed.scheme != "file":
        return None
    path = unquote(parsed.path)
    if os.name == "nt" and path.startswith("/") and path[2:3] == ":":
        path = path[1:]
    return os.path.normpath(path)


def is_export(path: str) -> bool:
    return os.path.splitext(path)[1].lower() in SUFFIXES


def lint_buffer(path: str, text: str) -> tuple[list[Finding], dict[str, str]]:
    """The findings of the buffer `text` of file `path`, with the repository context, fixes prepared; and the
    documentation link of every rule that ran."""
    from linter import gitfiles
    from linter.buffers import Buffer, NoMemoryFile, memory_file
    from linter.config import load_settings
    from linter.engine import run
    from linter.fix import prepare

    gitfiles.listing.cache_clear()  # git's view is kept for one run: files come and go while the server runs
    settings = load_settings(None)
    data = text.encode("utf-8")
    buffers: dict[str, bytes] | None = {path: data}
    try:
        os.close(memory_file(Buffer(b"")))
    except NoMemoryFile:  # no in-memory files here: lint the saved file instead of writing the buffer anywhere
        buffers = None
    result = run([path], settings, buffers={path: Buffer(data)} if buffers else None)
    mine = [item for item in result.findings if item.position.path == path]
    return prepare(mine, buffers), {rule_id: rule.help_uri for rule_id, rule in result.rules.items()}


def diagnostics(path: str, text: str, findings: Sequence[Finding], help_uris: Mapping[str, str]) -> list[Any]:
    """LSP Diagnostic objects (as JSON-ready dictionaries) for `findings` in the buffer `text`."""
    starts = line_starts(text)
    out = []
    for item in findings:
        diagnostic: dict[str, Any] = {
            "range": lsp_range(text, item.position, starts),
            "severity": _SEVERITY[item.severity],
            "code": item.rule,
            "source": NAME,
            "message": item.message,
        }
        if item.rule in help_uris:
            diagnostic["codeDescription"] = {"href": help_uris[item.rule]}
        related = [
            {"location": {"uri": _uri(other.position.path), "range": _other_range(other.position)},
             "message": other.message}
            for other in item.related
        ]
        if related:
            diagnostic["relatedInformation"] = related
        fix = item.fix
        if fix is not None and fix.replacement is not None and fix.position.path == path:
            diagnostic["data"] = {
                "fix": {"title": f"{NAME}: {fix.description}", "range": lsp_range(text, fix.position, starts),
                        "newText": fix.replacement}
            }
        out.append(diagnostic)
    return out


def _uri(path: str) -> str:
    from pathlib import Path

    return Path(os.path.abspath(path)).as_uri()


def _other_range(position: Position) -> dict[str, dict[str, int]]:
    """A related location's range, converted against that file as saved (ASCII-only lines need no file)."""
    try:
        with open(position.path, encoding="utf-8", errors="replace") as handle:
            text = handle.read()
    except OSError:
        text = ""
    return lsp_range(text, position) if text else {
        "start": {"line": position.line - 1, "character": position.column - 1},
        "end": {"line": position.line - 1, "character": position.column - 1},
    }


def code_actions(uri: str, diagnostics_in_request: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """A quick fix for each diagnostic of the request that carries one (in its `data`)."""
    actions = []
    for diagnostic in diagnostics_in_request:
        data = diagnostic.get("data")
        fix = data.get("fix") if isinstance(data, Mapping) else None
        if not isinstance(fix, Mapping) or diagnostic.get("source") != NAME:
            continue
        actions.append(
            {
                "title": fix["title"],
                "kind": "quickfix",
                "diagnostics": [diagnostic],
                "isPreferred": True,
                "edit": {"changes": {uri: [{"range": fix["range"], "newText": fix["newText"]}]}},
            }
        )
    return actions


# -- the server ------------------------------------------------------------------------------------------------------
def serve() -> int:
    """Run the language server on stdin/stdout until the client exits."""
    import asyncio

    from lsprotocol import types
    from pygls.lsp.server import LanguageServer

    server = LanguageServer(NAME, _version(), text_document_sync_kind=types.TextDocumentSyncKind.Full)
    converter = server.protocol._converter  # lsprotocol's cattrs converter: dictionaries to and from LSP types

    def publish(uri: str) -> None:
        path = path_of(uri)
        if path is None or not is_export(path):
            return
        document = server.workspace.get_text_document(uri)
        text = document.source
        try:
            found, links = lint_buffer(path, text)
        except Exception as error:  # a bad configuration or a bug: say so in the editor, keep serving
            server.window_log_message(
                types.LogMessageParams(types.MessageType.Error, f"snlint: {type(error).__name__}: {error}")
            )
            found, links = [], {}
        items = converter.structure(diagnostics(path, text, found, links), list[types.Diagnostic])
        server.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(uri=uri, version=document.version, diagnostics=items)
        )

    waiting: dict[str, asyncio.TimerHandle] = {}  # uri -> its lint once typing pauses

    def now(uri: str) -> None:
        stop_waiting(uri)
        publish(uri)

    def after_a_pause(uri: str) -> None:
        """Lint a changed buffer once no change has come for PAUSE seconds: typing is one lint, not one a key."""
        stop_waiting(uri)
        waiting[uri] = asyncio.get_running_loop().call_later(PAUSE, now, uri)

    def stop_waiting(uri: str) -> None:
        handle = waiting.pop(uri, None)
        if handle is not None:
            handle.cancel()

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(params: types.DidOpenTextDocumentParams) -> None:
        now(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(params: types.DidChangeTextDocumentParams) -> None:
        after_a_pause(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE)
    def did_save(params: types.DidSaveTextDocumentParams) -> None:
        now(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(params: types.DidCloseTextDocumentParams) -> None:
        stop_waiting(params.text_document.uri)
        server.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(uri=params.text_document.uri, diagnostics=[])
        )

    @server.feature(
        types.TEXT_DOCUMENT_CODE_ACTION,
        types.CodeActionOptions(code_action_kinds=[types.CodeActionKind.QuickFix]),
    )
    def code_action(params: types.CodeActionParams) -> list[types.CodeAction]:
        given = converter.unstructure(params.context.diagnostics)
        actions = code_actions(params.text_document.uri, given)
        result: list[types.CodeAction] = converter.structure(actions, list[types.CodeAction])
        return result

    server.start_io()
    return 0


def _version() -> str:
    from linter import __version__

    return __version__
