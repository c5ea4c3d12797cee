"""A Python file cut into its symbols, so two steps can be compared function by function.

A symbol is a top-level function or class, or a method of a top-level class. Its name in the
manifest is ``path::name`` (``app/services/loans.py::borrow_book``, ``app/models/user.py::User``,
``app/models/user.py::User.check``). Everything else in the module (its docstring, imports,
constants, comments between definitions) is one pseudo-symbol, ``path::<module>``, so an edit to a
constant is a change too. A class's own symbol is the class without its methods.
"""

from __future__ import annotations

import ast

from workshop.markers import strip_markers

MODULE = "<module>"
Definition = ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef


def _span(node: Definition) -> range:
    """The lines of a definition, from its first decorator, which belongs to it, to its end."""
    first = min([node.lineno, *(decorator.lineno for decorator in node.decorator_list)])
    return range(first, (node.end_lineno or node.lineno) + 1)


def _joined(lines: list[str], numbers: set[int]) -> str:
    """The non-blank lines with these (1-based) numbers, in order.

    Blank lines are left out: adding a function also adds the blank lines around it, and that is
    not a change to the code that was already there.
    """
    return "\n".join(lines[n - 1] for n in sorted(numbers) if lines[n - 1].strip())


def split_symbols(source: str) -> dict[str, str]:
    """Map each symbol's name to its source text, marker lines removed.

    The source text, not only the syntax tree, is compared: comments teach in this repository, so
    an edited comment must be forwarded like an edited line of code. Two definitions of one name
    (a property's getter and setter) make one symbol. Raises SyntaxError for invalid Python.
    """
    text = strip_markers(source)
    lines = text.splitlines()
    parts: dict[str, list[str]] = {}
    outside = set(range(1, len(lines) + 1))
    for node in ast.parse(text).body:
        if not isinstance(node, Definition):
            continue
        own = set(_span(node))
        outside -= own
        if isinstance(node, ast.ClassDef):
            for member in node.body:
                if isinstance(member, ast.FunctionDef | ast.AsyncFunctionDef):
                    method = set(_span(member))
                    own -= method
                    parts.setdefault(f"{node.name}.{member.name}", []).append(
                        _joined(lines, method)
                    )
        parts.setdefault(node.name, []).append(_joined(lines, own))
    parts[MODULE] = [_joined(lines, outside)]
    return {name: "\n".join(texts) for name, texts in parts.items()}
