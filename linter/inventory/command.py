"""`snlint inventory`: the same inputs, configuration and exclusions as linting; findings never fail it."""

from __future__ import annotations

import argparse
import sys
import traceback

from linter.engine import run
from linter.escape import printable
from linter.inventory import renderer
from linter.inventory.build import build, touching
from linter.inventory.mermaid import over_limits
from linter.report import emit, use_color
from linter.settings import Settings

EXIT_OK, EXIT_ERROR = 0, 2


def command(options: argparse.Namespace, settings: Settings) -> int:
    result = run(options.paths, settings, use_context=not options.no_context, debug=options.debug)
    try:
        assert result.context is not None
        inventory = build(result.context.spoke, result.findings, result.files)
        if result.scope is not None:  # files named: only what they touch is listed
            inventory = touching(inventory, set(result.scope))
        fmt = options.format or "text"
        color = fmt == "text" and use_color(options.color, None if options.output else sys.stdout)
        report = renderer(fmt)(inventory, color)
    except Exception as error:  # a bug in snlint: say so, exit 2
        if options.debug:
            traceback.print_exc()
        print(
            f"snlint: error: internal error while building the inventory ({type(error).__name__}); please report "
            "it as a bug with the snlint version (run with --debug for the traceback)",
            file=sys.stderr,
        )
        return EXIT_ERROR
    emit(report, options.output)
    if fmt == "mermaid":  # the other formats list the inputs that could not be read; a diagram cannot
        for problem in inventory.problems:
            print(printable(f"snlint: {problem.position}: {problem.rule}: {problem.message}"), file=sys.stderr)
        if too_large := over_limits(report):
            print(f"snlint: warning: the diagram has {too_large}: renderers with default settings (GitHub) will "
                  "not draw it; run the inventory on fewer files", file=sys.stderr)
    return EXIT_ERROR if result.internal_error else EXIT_OK
