"""The bundled examples' inventory: examples/inventory.md and the example blocks of docs/inventory.md, regenerated
by `python -m linter.inventory` (a test fails when they are stale)."""

from __future__ import annotations

from collections.abc import Mapping

from linter.engine import run
from linter.files import write_atomic
from linter.inventory import renderer
from linter.inventory.build import build
from linter.inventory.model import Inventory
from linter.settings import Settings

EXAMPLES_MARKDOWN = "examples/inventory.md"
DOCS = "docs/inventory.md"
DOC_BLOCKS = {  # marker in docs/inventory.md -> (format, fence)
    "text": ("text", "text"),
    "mermaid": ("mermaid", "mermaid"),
}


def examples_inventory() -> Inventory:
    """The inventory of `examples/` as `snlint inventory examples` builds it with no configuration."""
    result = run(["examples"], Settings(), use_context=False)
    assert result.context is not None
    return build(result.context.spoke, result.findings, result.files)


def documented_blocks(inventory: Inventory) -> dict[str, str]:
    """The fenced blocks docs/inventory.md shows between `<!-- inventory:NAME -->` markers."""
    return {
        name: f"```{fence}\n{renderer(fmt)(inventory, False)}```\n"
        for name, (fmt, fence) in DOC_BLOCKS.items()
    }


def replace_blocks(document: str, blocks: Mapping[str, str]) -> str:
    """`document` with the text between `<!-- inventory:NAME -->` and `<!-- /inventory:NAME -->` replaced."""
    for name, block in blocks.items():
        start, end = f"<!-- inventory:{name} -->\n", f"<!-- /inventory:{name} -->"
        head, found, rest = document.partition(start)
        if not found:
            raise ValueError(f"{DOCS}: marker {start.strip()} not found")
        _, found, tail = rest.partition(end)
        if not found:
            raise ValueError(f"{DOCS}: marker {end} not found")
        document = head + start + block + end + tail
    return document


def regenerate() -> None:
    """Rewrite examples/inventory.md and the example blocks of docs/inventory.md (run from the repository root)."""
    inventory = examples_inventory()
    write_atomic(EXAMPLES_MARKDOWN, renderer("markdown")(inventory, False))
    with open(DOCS, encoding="utf-8") as handle:
        document = handle.read()
    write_atomic(DOCS, replace_blocks(document, documented_blocks(inventory)))
