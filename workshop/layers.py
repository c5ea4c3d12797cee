"""An app's layers as its ``.importlinter`` contract declares them, drawn with its real imports.

The handbook's architecture diagram is made here, so it cannot disagree with the code: its boxes
are the contract's layers (import-linter fails ``make lint`` when a module sits in none), and its
arrows are the imports the code actually makes from one layer to another.
"""

from __future__ import annotations

import ast
import configparser
from pathlib import Path

CONTRACT = ".importlinter"
SECTION = "importlinter:contract:layers"
PACKAGE = "app"


def read_layers(folder: Path) -> list[list[str]]:
    """The layers of the app in ``folder``, top first, each as the names of its modules."""
    parser = configparser.ConfigParser()
    parser.read(folder / CONTRACT, encoding="utf-8")
    layers: list[list[str]] = []
    for line in parser[SECTION]["layers"].splitlines():
        names = line.replace(":", "|").split("|")
        # Parentheses mark an optional layer in import-linter's syntax.
        modules = [name.strip().strip("()").strip() for name in names if name.strip()]
        if modules:
            layers.append(modules)
    return layers


def _imported_children(tree: ast.Module) -> set[str]:
    """The children of ``app`` (``services``, ``models``...) that a module imports anywhere."""
    found: set[str] = set()
    for node in ast.walk(tree):
        names = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
        for name in names:
            parts = name.split(".")
            if parts[0] == PACKAGE and len(parts) > 1:
                found.add(parts[1])
    return found


def child_imports(folder: Path) -> set[tuple[str, str]]:
    """Every (importer, imported) pair of different children of the app's package.

    ``app/__init__.py`` is left out: ``create_app`` wires every layer together by design.
    """
    package = folder / PACKAGE
    pairs: set[tuple[str, str]] = set()
    for path in sorted(package.rglob("*.py")):
        parts = path.relative_to(package).with_suffix("").parts
        if parts == ("__init__",):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        pairs |= {(parts[0], child) for child in _imported_children(tree) if child != parts[0]}
    return pairs


def layers_mermaid(folder: Path) -> str:
    """A Mermaid flowchart: one box per layer, top first, an arrow wherever one imports another."""
    layers = read_layers(folder)
    layer_of = {module: index for index, modules in enumerate(layers) for module in modules}
    lines = ["flowchart TD"]
    for index, modules in enumerate(layers):
        lines.append(f'    layer{index}["{", ".join(modules)}"]')
    arrows = {
        (layer_of[importer], layer_of[imported])
        for importer, imported in child_imports(folder)
        if importer in layer_of and imported in layer_of
    }
    # Modules of one layer joined by ':' may import each other: no arrow from a box to itself.
    arrows = {(above, below) for above, below in arrows if above != below}
    lines += [f"    layer{above} --> layer{below}" for above, below in sorted(arrows)]
    # Invisible links stack the boxes in the contract's order, even where no import joins two.
    lines.append("    " + " ~~~ ".join(f"layer{index}" for index in range(len(layers))))
    return "\n".join(lines) + "\n"
