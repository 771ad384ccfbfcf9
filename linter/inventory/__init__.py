"""`snlint inventory`: what snlint extracted for the Exchange Online spoke, as rows the reporters print.

Every alias, its connections, OAuth 2.0 and Mailbox credentials, recorded identities and the verdict of every
(Mailbox credential, OAuth credential) pair, each with its position: the rows (model.py), built from the one
resolution in linter/spoke.py (build.py), printed by the command (command.py) in a format of `FORMATS`: one module
each with `render(inventory, color) -> str` (text.py, json.py, markdown.py, mermaid.py), imported only when its
format is used. `python -m linter.inventory` regenerates the bundled examples' inventory (docs.py).
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from linter.inventory.model import Inventory

FORMATS: dict[str, str] = {  # `snlint inventory` format name -> module holding its render(inventory, color)
    "text": "linter.inventory.text",
    "json": "linter.inventory.json",
    "markdown": "linter.inventory.markdown",
    "mermaid": "linter.inventory.mermaid",
}


def renderer(name: str) -> Callable[[Inventory, bool], str]:
    render: Callable[[Inventory, bool], str] = import_module(FORMATS[name]).render
    return render
