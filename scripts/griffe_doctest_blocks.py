"""A griffe extension for the API reference: show docstring doctests as code blocks.

The docstrings of regimen_calc carry runnable ``>>>`` examples (run by Sybil under the tests).
Outside an ``Examples:`` section, Markdown would read ``>>> x`` as a quote and ``['8.75 mg']`` as a
link. This extension wraps every run of doctest lines (from a ``>>>`` line to the next blank
line) in a fenced ``pycon`` block before mkdocstrings renders the docstring. Runs inside an
``Examples:`` section are left to griffe, which already parses them as code.

Loaded by mkdocs.yml (``plugins.mkdocstrings.handlers.python.options.extensions``); it changes
only the rendered documentation, never the docstrings the tests run.
"""

from __future__ import annotations

from typing import Any

import griffe


def fence_doctests(text: str) -> str:
    """Wrap each run of doctest lines in a ```` ```pycon ```` fence at the run's indentation.

    Runs inside an ``Examples:`` section are left alone: griffe parses those as code itself.
    """
    lines = text.splitlines()
    out: list[str] = []
    in_fence = False
    examples_indent: int | None = None  # indentation of an open "Examples:" header
    i = 0
    while i < len(lines):
        line = lines[i]
        stripped = line.lstrip()
        indent = len(line) - len(stripped)
        if stripped and examples_indent is not None and indent <= examples_indent:
            examples_indent = None
        if stripped.rstrip() == "Examples:":
            examples_indent = indent
        elif stripped.startswith("```"):
            in_fence = not in_fence
        elif not in_fence and examples_indent is None and stripped.startswith(">>>"):
            block = []
            while i < len(lines) and lines[i].strip():
                block.append(lines[i])
                i += 1
            pad = " " * indent
            out += [f"{pad}```pycon", *block, f"{pad}```"]
            continue
        out.append(line)
        i += 1
    return "\n".join(out)


class DoctestBlocks(griffe.Extension):
    """Fence the doctests of every docstring griffe loads."""

    def on_instance(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        if obj.docstring is not None and ">>>" in obj.docstring.value:
            obj.docstring.value = fence_doctests(obj.docstring.value)
