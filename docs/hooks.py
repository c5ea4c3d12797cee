"""Build-time generation for the handbook: what a page shows about the repository comes from it.

MkDocs loads this module through ``hooks:`` in mkdocs.yml. Before each build it writes, into the
git-ignored ``docs/generated/`` folder, the pieces the pages include with ``--8<--``:

- ``steps-map.md`` and ``timings.md``: the map of steps and the instructor timings (manifest);
- ``steps/<NN>/tasks.md`` and ``steps/<NN>/changes.md``: each step's tasks with hints, and what it
  changes from the step before: the files and functions it adds, changes or removes
  (``workshop.lineage.step_changes``, what the manifest's ``changes`` lists), then the diff with
  each task shown as its stub (``workshop.diffing.diff_folders``, the same spoiler-free diff
  ``workshop diff`` prints);
- ``architecture.md``: the final app's layers as a Mermaid flowchart, from its ``.importlinter``
  contract and its real imports (``workshop.layers.layers_mermaid``);
- ``benchmarks.md``: the final app's benchmark table when ``final/benchmarks/latest.md`` exists;
- ``notebooks-list.md``: a link to each class notebook's page, for the instructor guide;
- ``notebooks/<name>.ipynb``: each notebook of ``notebooks/`` executed against a live final app
  (``notebooks.live.execute_all``), which mkdocs-jupyter renders with its outputs. The repository
  keeps the notebooks without outputs; a notebook is executed again only when it, the final app or
  ``notebooks/live.py`` changed since its copy was made (``notebooks/hashes.json`` records what
  each copy was made from), so a ``mkdocs serve`` rebuild stays fast.

It also exports the final app's OpenAPI document and Swagger UI's files into the site, fills the
"The steps" and "Notebooks" sections of the navigation from the manifest and ``notebooks/``, and
turns links to repository files
(``../steps/01-factory/app/config.py``) into pages showing those files, failing the build when a
linked file does not exist. Adding a step therefore takes one manifest entry and one chapter page;
adding a notebook takes only the notebook.
"""

from __future__ import annotations

import ast
import contextlib
import functools
import hashlib
import html
import importlib.util
import json
import logging
import os
import posixpath
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, NamedTuple

import yaml
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import event_priority
from mkdocs.structure.files import File, Files, InclusionLevel
from mkdocs.structure.pages import Page
from mkdocs.structure.toc import AnchorLink
from mkdocs.utils import get_relative_url

from notebooks.live import LiveError, execute_all, notebook_paths
from workshop.diffing import diff_folders
from workshop.layers import layers_mermaid
from workshop.lineage import SEPARATOR, Change, step_changes
from workshop.manifest import Manifest, ManifestError, Step, load_manifest
from workshop.stubs import stub_messages

ROOT = Path(__file__).resolve().parent.parent
log = logging.getLogger("mkdocs.hooks.workshop")
DOCS = ROOT / "docs"
GENERATED = DOCS / "generated"
BENCHMARKS = Path("final") / "benchmarks" / "latest.md"

# The navigation section this module fills with one chapter per step, in manifest order.
STEPS_SECTION = "The steps"
# The navigation section this module fills with one page per notebook, in name order.
NOTEBOOKS_SECTION = "Notebooks"
NOTEBOOKS = ROOT / "notebooks"
# Where the site serves the notebooks' pages (notebooks/01-tour/), and where their executed copies
# go: the pages' sources are docs/generated/notebooks/<name>.ipynb, served as notebooks/<name>.
NOTEBOOKS_URI = "notebooks"
EXECUTED = GENERATED / NOTEBOOKS_URI
# Next to the copies: for each copy, the hash of the inputs it was made from.
HASHES_FILE = "hashes.json"
# mkdocs-jupyter keeps each notebook's rendered HTML here between builds (its own default is a
# folder of whatever directory MkDocs runs in).
JUPYTER_PLUGIN = "mkdocs-jupyter"
RENDER_CACHE = GENERATED / "jupyter-cache"
# Besides the notebook itself, what an executed copy depends on: the code that runs the notebooks
# and the app they talk to (its code, its migrations and its entry point). A change to any of
# them executes every notebook again.
EXECUTION_INPUTS = (
    Path("notebooks") / "live.py",
    Path("final") / "app",
    Path("final") / "migrations",
    Path("final") / "wsgi.py",
)
# Where the site serves the exported OpenAPI document and Swagger UI's files.
OPENAPI_URI = "assets/api/openapi.json"
SWAGGER_UI_URI = "assets/swagger-ui"
SWAGGER_UI_FILES = ("swagger-ui-bundle.js", "swagger-ui.css", "LICENSE")
# Material draws Mermaid diagrams with the page's own ``mermaid`` when one is loaded, and fetches it
# from a CDN otherwise: the site ships the copy npm installed (package.json pins it), so diagrams
# render without network. Without npm's copy (no Node on the machine) the pages load Mermaid from
# the CDN instead, as Material does by default. Either way only a page with a diagram loads it.
MERMAID_SOURCE = ROOT / "node_modules" / "mermaid" / "dist" / "mermaid.min.js"
MERMAID_URI = "assets/javascripts/mermaid.min.js"
# Linked repository files are shown on pages under this folder of the site.
SOURCE_URI = "source"
OPENAPI_TIMEOUT_SECONDS = 120
# Example requests on a page: an ``exchange`` fence holds one request (YAML, see docs/exchanges.py),
# which the build answers with the named step's app and shows with its real answer.
EXCHANGE_FENCE = re.compile(r"^```exchange[ \t]*\n(?P<spec>.*?)^```[ \t]*$", re.M | re.S)
EXCHANGE_SCRIPT = DOCS / "exchanges.py"
# A learner's terminal session on a page: a ``workshop`` fence holds one command's arguments, which
# the build runs in order, in a scratch copy of the workshop, and shows with what it printed.
WORKSHOP_FENCE = re.compile(r"^```workshop[ \t]*\n(?P<args>.*?)^```[ \t]*$", re.M | re.S)
WORKSHOP_TIMEOUT_SECONDS = 300
# A number the prose states from the code: ``{{ const final/app/schemas/common.py MAX_PER_PAGE }}``
# is replaced, at build time, by that module-level constant's value.
CONSTANT = re.compile(r"\{\{\s*const\s+(?P<path>[\w./-]+)\s+(?P<name>[A-Z][A-Z0-9_]*)\s*\}\}")
TIMEDELTA_UNITS = ("weeks", "days", "hours", "minutes", "seconds")
# A setting's default as the prose states it: ``{{ setting final RATELIMIT_DEFAULT }}`` is replaced
# by what the app's BaseConfig holds when the environment sets nothing (``300 per minute``).
SETTING = re.compile(r"\{\{\s*setting\s+(?P<app>\w+)\s+(?P<name>[A-Z][A-Z0-9_]*)\s*\}\}")
SETTINGS_SCRIPT = """
import json, sys
from datetime import timedelta
sys.path.insert(0, ".")
from app.config import BaseConfig
config = BaseConfig()
values = {}
for name in sys.argv[1:]:
    value = getattr(config, name)
    values[name] = {"seconds": value.total_seconds()} if isinstance(value, timedelta) else value
print(json.dumps(values))
"""
# Days are the largest unit: the prose says "14 days", as the code does.
SECONDS_PER_UNIT = (("day", 24 * 3600), ("hour", 3600), ("minute", 60))
EXCHANGE_TIMEOUT_SECONDS = 120

# Each heading of a rendered page, in document order: its id and its inner HTML.
HEADING = re.compile(
    r"<h(?P<level>[1-6])\b[^>]*\sid=\"(?P<id>[^\"]+)\"[^>]*>(?P<inner>.*?)</h(?P=level)>", re.S
)
# nbconvert's permalink inside each heading of a notebook.
ANCHOR_LINK = re.compile(r"<a class=\"anchor-link\"[^>]*>.*?</a>", re.S)
# Markdown links written in a page: [text](target "optional title").
LINK = re.compile(r"(?P<open>\]\()(?P<target>[^)\s]+)(?P<rest>(?:\s+\"[^\"]*\")?\))")
LANGUAGES = {
    ".py": "python",
    ".toml": "toml",
    ".yml": "yaml",
    ".yaml": "yaml",
    ".md": "markdown",
    ".json": "json",
    ".txt": "text",
    ".cfg": "ini",
    ".ini": "ini",
    ".sh": "bash",
}
LANGUAGES_BY_NAME = {"Dockerfile": "dockerfile", "Makefile": "makefile", ".env.example": "bash"}

# The script that exports the OpenAPI document. It runs in a child process so that the final app's
# ``app`` package, logging set-up and extensions never leak into MkDocs (or into ``mkdocs serve``'s
# next rebuild, which would otherwise see the first import's stale modules).
EXPORT_SCRIPT = """
import json, sys
sys.path.insert(0, sys.argv[1])
from app import create_app
app = create_app("testing")
response = app.test_client().get("/openapi.json")
if response.status_code != 200:
    raise SystemExit(f"GET /openapi.json answered {response.status_code}, not 200")
with open(sys.argv[2], "w", encoding="utf-8") as out:
    json.dump(response.get_json(), out, indent=2)
"""
# Variables that could point the exporting app at a real database or Redis: it needs neither.
SERVICE_VARIABLES = (
    "DATABASE_URL",
    "TEST_DATABASE_URL",
    "REDIS_URL",
    "TEST_REDIS_URL",
    "APP_CONFIG",
)


def run_python(
    args: list[str],
    *,
    cwd: Path,
    what: str,
    timeout: float,
    stdin: str | None = None,
    env: dict[str, str] | None = None,
    drop: list[str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run our own interpreter on ``args`` in ``cwd``, away from any real database or Redis.

    The build only ever needs throwaway apps, so the service variables are dropped from the
    environment, with any in ``drop``. A run that cannot start or times out raises PluginError
    naming ``what``.
    """
    hidden = {*SERVICE_VARIABLES, *(drop or [])}
    clean = {key: value for key, value in os.environ.items() if key not in hidden}
    try:
        return subprocess.run(  # noqa: S603 - our own interpreter and scripts
            [sys.executable, *args],
            cwd=cwd,
            env={**clean, **(env or {})},
            input=stdin,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        raise PluginError(f"Cannot {what}: {error}") from error


def stderr_tail(result: subprocess.CompletedProcess[str]) -> str:
    """The last lines of a failed run's error output: enough to show its traceback's end."""
    return "\n".join(result.stderr.strip().splitlines()[-15:])


class _State:
    """What ``on_pre_build`` produced for the hooks that run after it, within one build."""

    def __init__(self) -> None:
        self.openapi = ""
        # The executed copies of the notebooks, in navigation order.
        self.notebooks: list[Path] = []


STATE = _State()


# --- Generated Markdown -------------------------------------------------------------------------


def fence_for(text: str, char: str = "`") -> str:
    """A code fence longer than any run of ``char`` inside ``text``, so the text cannot close it."""
    longest = max((len(run) for run in re.findall(f"{re.escape(char)}+", text)), default=0)
    return char * max(3, longest + 1)


def escape_text(text: str) -> str:
    """Make manifest prose safe to place in Markdown: no raw HTML, no accidental emphasis."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace("*", r"\*")


def changes_markdown(manifest: Manifest, step: Step) -> str:
    """The "what changed" section of a step: its diff from the step before, or why there is none."""
    previous = manifest.previous(step)
    if previous is None:
        return (
            '!!! note "Nothing to compare with"\n\n'
            f"    Step {step.id} is the first step: there is no step before it, so every file in\n"
            f"    `{step.folder}` is new. From the next step on, this section shows the diff.\n"
        )
    for candidate in (previous, step):
        if not manifest.path(candidate).is_dir():
            raise PluginError(
                f"Cannot diff step {step.id}: the folder {candidate.folder} does not exist."
            )
    # The chapter is read before and during the exercises, so it shows the stubs, not the answers.
    stubs = stub_messages(step.tasks)
    diff = diff_folders(
        manifest.path(previous), manifest.path(step), previous.folder, step.folder, stubs=stubs
    )
    if not diff:
        return f"Step {step.id} changes no file of step {previous.id}.\n"
    fence = fence_for(diff)
    return (
        f"{changed_symbols_markdown(step_changes(manifest, step) or [])}\n"
        f"The diff from step {previous.id} (`{previous.folder}`) to step {step.id} "
        f"(`{step.folder}`), task markers hidden and each task shown as its stub: the same text "
        f"`workshop diff {step.id}` prints (`workshop diff {step.id} --solutions` shows the "
        f"tasks solved).\n\n{fence}diff\n{diff}{fence}\n"
    )


VERBS = {"added": "adds", "changed": "changes", "removed": "removes"}


def _symbol_words(kind: str, symbols: list[str]) -> str:
    names = ("the module's other lines" if name == "<module>" else f"`{name}`" for name in symbols)
    return f"{VERBS[kind]} {', '.join(names)}"


def changed_symbols_markdown(changes: list[Change]) -> str:
    """What a step changes as a list: each file, and in a Python file each function and class.

    "The module's other lines" are its imports, constants and comments outside any definition.
    """
    symbols: dict[str, dict[str, list[str]]] = {}
    items: list[str] = []
    for change in changes:
        path, _, symbol = change.entry.partition(SEPARATOR)
        if symbol:
            symbols.setdefault(path, {}).setdefault(change.kind, []).append(symbol)
        else:
            items.append(f"- `{path}`: {'new file' if change.kind == 'added' else change.kind}")
    for path, kinds in symbols.items():
        words = [_symbol_words(kind, kinds[kind]) for kind in VERBS if kind in kinds]
        items.append(f"- `{path}`: {'; '.join(words)}")
    return "What this step adds, changes and removes:\n\n" + "\n".join(sorted(items)) + "\n"


def tasks_markdown(step: Step) -> str:
    """A step's tasks in order, each with its text and its hints folded away until wanted.

    A task with several hints lists them in the order ``workshop hint`` gives them, a nudge first.
    """
    if not step.tasks:
        return f"Step {step.id} has no exercises.\n"
    parts = []
    for task in step.tasks:
        if len(task.hints) == 1:
            hints = f"    {escape_text(task.hints[0])}\n\n"
        else:
            hints = "".join(
                f"    {level}. {escape_text(hint)}\n" for level, hint in enumerate(task.hints, 1)
            )
            hints += "\n"
        parts.append(
            f"**{task.id} {escape_text(task.title)}**\n\n"
            f"{escape_text(task.text)}\n\n"
            f'??? tip "Hint for {task.id}"\n\n'
            f"{hints}"
            f"    In the terminal, one hint per ask: `workshop hint {step.id} {task.id}`.\n"
        )
    return "\n".join(parts)


def _minutes(total: int) -> str:
    hours, minutes = divmod(total, 60)
    return f"{hours} h {minutes:02d} min" if hours else f"{minutes} min"


def timings_markdown(manifest: Manifest) -> str:
    """The instructor timings: teach and exercise minutes per step, and the totals.

    Links are relative to the docs folder's root: include this only in a page that lives there.
    """
    rows = [
        "| step | chapter | teach (min) | exercises (min) | step total |",
        "|---|---|--:|--:|--:|",
    ]
    for step in manifest.steps:
        total = step.teach_minutes + step.exercise_minutes
        rows.append(
            f"| {step.id} | [{escape_text(step.title)}]({step.chapter}) | {step.teach_minutes} "
            f"| {step.exercise_minutes} | {_minutes(total)} |"
        )
    teach = sum(step.teach_minutes for step in manifest.steps)
    exercise = sum(step.exercise_minutes for step in manifest.steps)
    count = len(manifest.steps)
    rows.append(
        f"| **all** | **{count} step{'' if count == 1 else 's'}** | **{teach}** | **{exercise}** "
        f"| **{_minutes(teach + exercise)}** |"
    )
    return "\n".join(rows) + "\n"


def steps_map_markdown(manifest: Manifest) -> str:
    """The map of the workshop: one row per step with its tasks, then the final app.

    Links are relative to the docs folder's root: include this only in a page that lives there.
    """
    rows = ["| step | chapter | what you write | time |", "|---|---|---|--:|"]
    for step in manifest.steps:
        tasks = "; ".join(escape_text(task.title) for task in step.tasks) or "no exercises"
        minutes = f"{step.teach_minutes} + {step.exercise_minutes} min"
        rows.append(
            f"| {step.id} | [{escape_text(step.title)}]({step.chapter}) | {tasks} | {minutes} |"
        )
    final = manifest.final
    rows.append(
        f"| final | [{escape_text(final.title)}]({final.chapter}) "
        f"| nothing: read it, run it, compare | |"
    )
    return "\n".join(rows) + "\n"


# A backend's section of the benchmark file: ``<!-- bench:NAME -->`` ... ``<!-- /bench:NAME -->``.
BENCH_SECTION = re.compile(
    r"<!-- bench:(?P<name>[\w-]+) -->\n(?P<body>.*?)<!-- /bench:(?P=name) -->", re.S
)
CHART_COLOURS = ("#3f51b5", "#009688", "#ff9800", "#9c27b0")


class BenchSection(NamedTuple):
    """One backend's recorded run: its heading, its Markdown, and each row's ratio to bare."""

    title: str
    markdown: str
    ratios: dict[str, float]


def bench_sections(text: str) -> list[BenchSection]:
    """The backends' sections of the benchmark file, with the ratios read from their first table.

    A section holds more tables (the same rows under other server settings, the in-process
    layers): the chart draws the first, the one its targets are set for.
    """
    sections = []
    for match in BENCH_SECTION.finditer(text):
        lines = match["body"].strip().splitlines()
        title = (
            lines[0].lstrip("#").strip() if lines and lines[0].startswith("#") else match["name"]
        )
        ratios: dict[str, float] = {}
        columns: list[str] = []
        for line in lines:
            if columns and not line.startswith("|"):
                break  # the first table has ended
            cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
            if not line.startswith("|") or set("".join(cells)) <= set("-: "):
                continue
            if "row" in cells and not columns:
                columns = cells
            elif columns and "ratio to bare" in columns:
                ratio = cells[columns.index("ratio to bare")]
                with contextlib.suppress(ValueError):
                    ratios[cells[columns.index("row")]] = float(ratio)
        body = "\n".join(lines[1:] if lines and lines[0].startswith("#") else lines)
        sections.append(BenchSection(title, body.strip() + "\n", ratios))
    return sections


def ratio_chart_svg(sections: list[BenchSection]) -> str:
    """A horizontal bar chart of each row's ratio to the bare route, one colour per backend."""
    rows = list(dict.fromkeys(row for section in sections for row in section.ratios))
    bar, gap, left, width = 14, 10, 130, 420
    height = 30 + len(rows) * (len(sections) * bar + gap) + 20 * len(sections)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {left + width + 60} {height}" '
        f'role="img" aria-label="Requests per second as a ratio to a bare Flask route" '
        f'font-family="sans-serif" font-size="12" fill="currentColor">'
    ]
    y = 20
    for row in rows:
        parts.append(
            f'<text x="{left - 8}" y="{y + bar}" text-anchor="end">{html.escape(row)}</text>'
        )
        for index, section in enumerate(sections):
            if row in section.ratios:
                ratio = section.ratios[row]
                colour = CHART_COLOURS[index % len(CHART_COLOURS)]
                parts.append(
                    f'<rect x="{left}" y="{y}" width="{width * min(ratio, 1.0):.1f}" '
                    f'height="{bar - 2}" fill="{colour}"/>'
                    f'<text x="{left + width * min(ratio, 1.0) + 4:.1f}" y="{y + bar - 3}">'
                    f"{ratio:.2f}</text>"
                )
            y += bar
        y += gap
    for index, section in enumerate(sections):
        colour = CHART_COLOURS[index % len(CHART_COLOURS)]
        parts.append(
            f'<rect x="{left}" y="{y}" width="12" height="12" fill="{colour}"/>'
            f'<text x="{left + 18}" y="{y + 11}">{html.escape(section.title)}</text>'
        )
        y += 20
    parts.append(
        f'<line x1="{left + width}" y1="10" x2="{left + width}" y2="{y - 20 * len(sections)}" '
        'stroke="#888" stroke-dasharray="4 3"/></svg>'
    )
    return "".join(parts) + "\n"


def benchmarks_markdown(root: Path) -> str:
    """The performance page's body: the chart and each backend's table, or a note that none exist.

    The figures come from the benchmark file that ``make bench`` writes; its dated notes on what
    each fix changed stay in that file, which the page links to.
    """
    path = root / BENCHMARKS
    sections = bench_sections(path.read_text(encoding="utf-8")) if path.is_file() else []
    if not sections:
        return (
            '!!! info "No benchmark recorded yet"\n\n'
            f"    This page shows `{BENCHMARKS.as_posix()}` once `make bench` has written it.\n"
        )
    parts = [
        "Requests per second of each row as a ratio to the bare Flask route, from the recorded"
        " run (1.0, the dashed line, would be as fast as a route that does nothing):\n",
        f'<figure class="benchmark-chart" markdown>\n{ratio_chart_svg(sections)}</figure>\n',
    ]
    for section in sections:
        parts.append(f"## {section.title}\n\n{section.markdown}")
    return "\n".join(parts)


def architecture_markdown(final: Path) -> str:
    """The final app's layers and the imports between them, as a Mermaid block for a page."""
    return f"```mermaid\n{layers_mermaid(final)}```\n"


def write_if_changed(path: Path, text: str) -> None:
    """Write ``text`` unless the file already holds it, so ``mkdocs serve`` does not loop."""
    if path.is_file() and path.read_text(encoding="utf-8") == text:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def generate(root: Path, out: Path) -> Manifest:
    """Write every generated include for the workshop at ``root`` into ``out``."""
    try:
        manifest = load_manifest(root)
    except ManifestError as error:
        raise PluginError(f"Cannot read the workshop's manifest: {error}") from error
    write_if_changed(out / "steps-map.md", steps_map_markdown(manifest))
    write_if_changed(out / "timings.md", timings_markdown(manifest))
    write_if_changed(out / "benchmarks.md", benchmarks_markdown(root))
    write_if_changed(out / "architecture.md", architecture_markdown(root / manifest.final.folder))
    for step in manifest.steps:
        write_if_changed(out / "steps" / step.id / "tasks.md", tasks_markdown(step))
        write_if_changed(out / "steps" / step.id / "changes.md", changes_markdown(manifest, step))
    return manifest


# --- The final app's OpenAPI document -----------------------------------------------------------


def export_openapi(final: Path) -> str:
    """The OpenAPI document ``final``'s app serves at /openapi.json, as indented JSON.

    Raises PluginError, with the import's own error, when the app cannot be built: the site must
    not go out with a stale or empty API reference.
    """
    with tempfile.TemporaryDirectory() as scratch:
        target = Path(scratch) / "openapi.json"
        result = run_python(
            ["-c", EXPORT_SCRIPT, str(final), str(target)],
            cwd=final,
            what=f"export the OpenAPI document of {final}",
            timeout=OPENAPI_TIMEOUT_SECONDS,
        )
        if result.returncode != 0 or not target.is_file():
            raise PluginError(
                f"Cannot export the OpenAPI document: building the app in {final.name}/ with "
                f'create_app("testing") and GET /openapi.json failed. The API reference is not '
                f"written rather than left stale. The error:\n{stderr_tail(result)}"
            )
        document = json.loads(target.read_text(encoding="utf-8"))
    if not isinstance(document, dict) or "openapi" not in document or "paths" not in document:
        raise PluginError("The final app's /openapi.json is not an OpenAPI document.")
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


# --- The notebooks ------------------------------------------------------------------------------


def notebook_title(path: Path) -> str:
    """A notebook's title: the first level-one heading of its Markdown cells, else its name."""
    try:
        cells = json.loads(path.read_text(encoding="utf-8")).get("cells", [])
    except (OSError, ValueError) as error:
        raise PluginError(f"Cannot read the notebook {path.name}: {error}") from error
    for cell in cells:
        if cell.get("cell_type") != "markdown":
            continue
        source = cell.get("source", "")
        text = "".join(source) if isinstance(source, list) else str(source)
        for line in text.splitlines():
            if line.startswith("# "):
                return line[2:].strip()
    return path.stem


def notebook_uri(path: Path) -> str:
    """The docs-relative source path of a notebook's page (``notebooks/01-tour.ipynb``)."""
    return f"{NOTEBOOKS_URI}/{path.name}"


def notebooks_list_markdown(sources: Iterable[Path]) -> str:
    """A list linking each notebook's page, with the file to open in JupyterLab.

    Links are relative to the docs folder's root: include this only in a page that lives there.
    """
    rows = [
        f"- [{escape_text(notebook_title(path))}]({notebook_uri(path)}): `notebooks/{path.name}`"
        for path in sources
    ]
    return "\n".join(rows) + "\n" if rows else "There are no notebooks in `notebooks/` yet.\n"


def _file_digest(root: Path, path: Path) -> bytes:
    """A file's path relative to ``root`` and the hash of its content, as one record."""
    content = hashlib.sha256(path.read_bytes()).hexdigest()
    return f"{path.relative_to(root).as_posix()}\0{content}\n".encode()


def inputs_hash(root: Path, inputs: Iterable[Path] = EXECUTION_INPUTS) -> str:
    """One hash of everything an executed copy depends on besides the notebook itself.

    ``inputs`` are files or folders relative to ``root``; a folder counts with every file in it
    (by path and content) except Python's caches, so renaming a file changes the hash too.
    """
    hasher = hashlib.sha256()
    for relative in inputs:
        path = root / relative
        if path.is_file():
            hasher.update(_file_digest(root, path))
            continue
        for file in sorted(path.rglob("*")):
            if file.is_file() and "__pycache__" not in file.parts and file.suffix != ".pyc":
                hasher.update(_file_digest(root, file))
    return hasher.hexdigest()


def notebook_hash(path: Path, shared: str) -> str:
    """The hash an executed copy of ``path`` is made from: the notebook plus the shared inputs."""
    return hashlib.sha256(shared.encode() + b"\0" + path.read_bytes()).hexdigest()


def _read_hashes(out: Path) -> dict[str, str]:
    try:
        recorded = json.loads((out / HASHES_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(recorded, dict):
        return {}
    return {str(name): str(value) for name, value in recorded.items()}


def stale_notebooks(
    sources: Iterable[Path], out: Path, wanted: dict[str, str], recorded: dict[str, str]
) -> list[Path]:
    """The notebooks whose copy in ``out`` is missing or was made from other inputs.

    ``wanted`` maps a notebook's name to the hash of its inputs now, ``recorded`` to the hash
    its copy was made from.
    """
    return [
        path
        for path in sources
        if recorded.get(path.name) != wanted[path.name] or not (out / path.name).is_file()
    ]


def _anchors(items: Iterable[AnchorLink]) -> Iterator[AnchorLink]:
    for item in items:
        yield item
        yield from _anchors(item.children)


def align_toc(html: str, toc: Iterable[AnchorLink]) -> None:
    """Point a notebook page's table of contents at its headings' real ids, with their full text.

    mkdocs-jupyter builds the table of contents from a Markdown conversion of the notebook, which
    leaves inline code out of ids and titles (``#no-copy-left``, "No copy left:"), while the
    page's headings keep it (``id="no-copy-left-book_unavailable"``). Both list the same headings
    in the same order, so each entry takes the id and text of its heading; when the counts
    differ, nothing is changed (and the link check of the tests reports the broken anchors).
    """
    anchors = list(_anchors(toc))
    headings = list(HEADING.finditer(html))
    if len(anchors) != len(headings):
        return
    for anchor, heading in zip(anchors, headings, strict=True):
        anchor.id = heading["id"]
        anchor.title = re.sub(r"<[^>]+>", "", ANCHOR_LINK.sub("", heading["inner"])).strip()


def execute_notebooks(sources: list[Path], out: Path, root: Path = ROOT) -> list[Path]:
    """Bring the executed copies in ``out`` up to date with ``sources``; return the ones executed.

    Only stale copies are made again, all against one fresh final app (``execute_all``), in a
    scratch folder first: a failed run leaves the previous copies and their hashes as they were.
    Copies of notebooks that no longer exist are removed. Raises PluginError with the
    ``LiveError``'s message, which names the notebook and the cell, when a notebook fails.
    """
    shared = inputs_hash(root)
    wanted = {path.name: notebook_hash(path, shared) for path in sources}
    recorded = {name: value for name, value in _read_hashes(out).items() if name in wanted}
    stale = stale_notebooks(sources, out, wanted, recorded)
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("*.ipynb"):
        if old.name not in wanted:
            old.unlink()
    if stale:
        with tempfile.TemporaryDirectory(prefix="notebooks-") as scratch:
            source_dir, executed_dir = Path(scratch) / "source", Path(scratch) / "executed"
            source_dir.mkdir()
            for path in stale:
                shutil.copyfile(path, source_dir / path.name)
            try:
                written = execute_all(executed_dir, notebooks=source_dir)
            except LiveError as error:
                raise PluginError(
                    f"Cannot execute the notebooks for the site (a notebook's page shows its "
                    f"outputs, so the build stops here):\n{error}"
                ) from error
            for copy in written:
                shutil.copyfile(copy, out / copy.name)
                recorded[copy.name] = wanted[copy.name]
    write_if_changed(out / HASHES_FILE, json.dumps(recorded, indent=2, sort_keys=True) + "\n")
    return stale


# --- Links to repository files ------------------------------------------------------------------


def repository_target(page_src: Path, target: str, root: Path, docs: Path) -> Path | None:
    """The repository path a page's link points at, or None when it is no repository link.

    A repository link is relative, leaves the docs folder, and stays inside the repository.
    """
    if "://" in target or target.startswith(("#", "/", "mailto:")):
        return None
    path = target.split("#", 1)[0]
    if not path:
        return None
    resolved = Path(os.path.normpath(page_src.parent / path))
    if resolved.is_relative_to(docs) or not resolved.is_relative_to(root):
        return None
    return resolved.relative_to(root)


def source_page(root: Path, relative: Path) -> str:
    """A page showing one repository file, included whole from the repository at build time."""
    fence = fence_for((root / relative).read_text(encoding="utf-8", errors="replace"))
    language = LANGUAGES_BY_NAME.get(relative.name) or LANGUAGES.get(relative.suffix, "text")
    name = relative.as_posix()
    return (
        "---\nsearch:\n  exclude: true\n---\n\n"
        f"# `{name}`\n\n"
        f"This is `{name}` from the repository, as it was when this site was built.\n\n"
        f'{fence}{language} title="{name}" linenums="1"\n--8<-- "{name}"\n{fence}\n'
    )


def source_uri(relative: Path) -> str:
    """The docs-relative path of the page generated for a repository file."""
    return f"{SOURCE_URI}/{relative.as_posix()}.md"


def _page_links(file: File, root: Path, docs: Path) -> list[Path]:
    page_src = Path(file.abs_src_path or docs / file.src_uri)
    targets = []
    for match in LINK.finditer(file.content_string):
        relative = repository_target(page_src, match["target"], root, docs)
        if relative is not None:
            targets.append(relative)
    return targets


def swagger_ui_dist() -> Path:
    """The folder of Swagger UI's built files inside the installed flask-swagger-ui package."""
    spec = importlib.util.find_spec("flask_swagger_ui")
    if spec is None or not spec.submodule_search_locations:
        raise PluginError("flask-swagger-ui is not installed: run 'make setup'.")
    return Path(next(iter(spec.submodule_search_locations))) / "dist"


# --- Example exchanges, answered at build time ---------------------------------------------------


class ExchangeCache:
    """Exchanges, transcripts and settings by their inputs: a rebuild runs only what changed."""

    def __init__(self) -> None:
        self.blocks: dict[str, list[dict[str, str | None]]] = {}
        self.consoles: dict[str, list[str]] = {}
        self.settings: dict[str, dict[str, str]] = {}

    def key(self, folder: Path, payload: str) -> str:
        """The cache key: the step's code and what is asked of it."""
        return hashlib.sha256(f"{inputs_hash(folder, [Path('.')])}\0{payload}".encode()).hexdigest()


EXCHANGES = ExchangeCache()


def parse_exchanges(markdown: str, where: str) -> list[tuple[re.Match[str], dict[str, Any]]]:
    """Every ``exchange`` fence of a page with its spec, failing the build on a malformed one."""
    found = []
    for match in EXCHANGE_FENCE.finditer(markdown):
        try:
            spec = yaml.safe_load(match["spec"])
        except yaml.YAMLError as error:
            raise PluginError(f"{where}: an exchange fence is not YAML: {error}") from error
        if not isinstance(spec, dict) or "request" not in spec or "app" not in spec:
            raise PluginError(f"{where}: an exchange needs 'app' and 'request': {match['spec']!r}")
        found.append((match, spec))
    return found


def answer_exchanges(
    manifest: Manifest, app_id: str, specs: list[dict[str, Any]]
) -> list[dict[str, str | None]]:
    """Send ``specs`` in order to a fresh app of step ``app_id`` (or final); what each answered."""
    try:
        step = manifest.step(app_id)
    except ManifestError as error:
        raise PluginError(f"An exchange names an unknown app: {error}") from error
    folder = manifest.path(step)
    payload = json.dumps({"serve": [list(c) for c in step.serve], "exchanges": specs})
    key = EXCHANGES.key(folder, payload)
    if key in EXCHANGES.blocks:
        return EXCHANGES.blocks[key]
    result = run_python(
        [str(EXCHANGE_SCRIPT)],
        cwd=folder,
        what=f"answer the exchanges with {step.folder}",
        timeout=EXCHANGE_TIMEOUT_SECONDS,
        stdin=payload,
    )
    if result.returncode != 0:
        raise PluginError(f"The exchanges asked of {step.folder} failed:\n{stderr_tail(result)}")
    blocks: list[dict[str, str | None]] = json.loads(result.stdout)
    EXCHANGES.blocks[key] = blocks
    return blocks


def exchange_markdown(block: dict[str, str | None], label: str) -> str:
    """One answered exchange as code blocks: the exchange, then its log line when it has one."""
    parts = []
    if block["exchange"]:
        fence = fence_for(block["exchange"])
        parts.append(
            f'{fence}http title="Answered by {label} when this page was built"\n'
            f"{block['exchange']}\n{fence}"
        )
    if block["log"]:
        fence = fence_for(block["log"])
        parts.append(
            f'{fence}json title="The access line {label} logged for it"\n{block["log"]}\n{fence}'
        )
    return "\n\n".join(parts)


def exchanges_by_app(found: list[tuple[re.Match[str], dict[str, Any]]]) -> dict[str, list[int]]:
    """The indexes of a page's exchanges, grouped by the app that answers them, in page order."""
    by_app: dict[str, list[int]] = {}
    for index, (_, spec) in enumerate(found):
        by_app.setdefault(str(spec["app"]), []).append(index)
    return by_app


def render_exchanges(markdown: str, where: str, manifest: Manifest) -> str:
    """Replace each exchange fence with the request and the answer the app really gave."""
    found = parse_exchanges(markdown, where)
    if not found:
        return markdown
    by_app = exchanges_by_app(found)
    rendered: dict[int, str] = {}
    for app_id, indexes in by_app.items():
        blocks = answer_exchanges(manifest, app_id, [found[i][1] for i in indexes])
        label = "the final app" if app_id == "final" else f"step {app_id}'s app"
        for index, block in zip(indexes, blocks, strict=True):
            rendered[index] = exchange_markdown(block, label)
    pieces, last = [], 0
    for index, (match, _) in enumerate(found):
        pieces += [markdown[last : match.start()], rendered[index]]
        last = match.end()
    return "".join([*pieces, markdown[last:]])


# --- The learner's commands, run at build time ----------------------------------------------------


def run_workshop_commands(root: Path, commands: list[str]) -> list[str]:
    """Run each ``workshop`` command line in order in a scratch copy of the workshop at ``root``.

    The copy holds the manifest and the steps but no learner's work, so a page shows what a new
    learner sees. Returns each command with its output, as a console transcript.
    """
    transcripts = []
    with tempfile.TemporaryDirectory(prefix="workshop-session-") as scratch:
        shutil.copytree(
            root / "steps",
            Path(scratch) / "steps",
            ignore=shutil.ignore_patterns("__pycache__", "instance", "*.db", ".pytest_cache"),
        )
        env = {"WORKSHOP_ROOT": scratch, "NO_COLOR": "1", "COLUMNS": "100"}
        for command in commands:
            result = run_python(
                ["-m", "workshop", *shlex.split(command)],
                cwd=Path(scratch),
                what=f"run 'workshop {command}'",
                timeout=WORKSHOP_TIMEOUT_SECONDS,
                env=env,
            )
            printed = (result.stdout + result.stderr).rstrip()
            transcripts.append(f"$ workshop {command}\n{printed}")
    return transcripts


def workshop_transcripts(commands: list[str], root: Path = ROOT) -> list[str]:
    """The transcripts of ``commands``, run once per state of the steps and the workshop tool."""
    key = EXCHANGES.key(root / "steps", json.dumps(commands)) + inputs_hash(
        root, [Path("workshop")]
    )
    if key not in EXCHANGES.consoles:
        EXCHANGES.consoles[key] = run_workshop_commands(root, commands)
    return EXCHANGES.consoles[key]


def render_workshop_commands(markdown: str, root: Path = ROOT) -> str:
    """Replace each ``workshop`` fence with the command and what the tool printed for it."""
    found = list(WORKSHOP_FENCE.finditer(markdown))
    if not found:
        return markdown
    transcripts = workshop_transcripts([match["args"].strip() for match in found], root)
    pieces, last = [], 0
    for match, transcript in zip(found, transcripts, strict=True):
        fence = fence_for(transcript)
        pieces += [markdown[last : match.start()], f"{fence}console\n{transcript}\n{fence}"]
        last = match.end()
    return "".join([*pieces, markdown[last:]])


# --- Numbers the prose takes from the code ------------------------------------------------------


def constant_value(path: Path, name: str) -> str:
    """The value of a module-level constant, as prose says it: ``100``, ``14 days``.

    Read from the file's syntax tree, never by importing it: a literal, or a ``timedelta`` of
    literal keyword arguments.
    """
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in tree.body:
        if not (isinstance(node, ast.Assign | ast.AnnAssign) and node.value is not None):
            continue
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        if not any(isinstance(t, ast.Name) and t.id == name for t in targets):
            continue
        value = node.value
        if isinstance(value, ast.Constant):
            return str(value.value)
        if isinstance(value, ast.Call) and getattr(value.func, "id", "") == "timedelta":
            parts = {kw.arg: ast.literal_eval(kw.value) for kw in value.keywords}
            return " ".join(
                f"{parts[unit]} {unit if parts[unit] != 1 else unit[:-1]}"
                for unit in TIMEDELTA_UNITS
                if unit in parts
            )
        raise PluginError(f"{path.name}: {name} is not a literal or a timedelta of literals")
    raise PluginError(f"{path.name} has no module-level constant {name}")


def render_constants(markdown: str, root: Path = ROOT) -> str:
    """Replace each ``{{ const path NAME }}`` with the constant's value in the repository."""

    def value(match: re.Match[str]) -> str:
        path = root / match["path"]
        if not path.is_file():
            raise PluginError(f"{match[0]}: no file {match['path']}")
        return constant_value(path, match["name"])

    return CONSTANT.sub(value, markdown)


def duration_words(seconds: float) -> str:
    """A whole number of seconds as prose says it, in the largest unit it fills: ``14 days``."""
    whole = int(seconds)
    for unit, size in SECONDS_PER_UNIT:
        if whole and whole % size == 0:
            count = whole // size
            return f"{count} {unit}" + ("s" if count != 1 else "")
    return f"{whole} seconds"


def setting_defaults(folder: Path, names: list[str]) -> dict[str, str]:
    """The defaults of ``names`` in the app at ``folder``: its BaseConfig with none of them set."""
    key = EXCHANGES.key(folder, json.dumps(names))
    if key in EXCHANGES.settings:
        return EXCHANGES.settings[key]
    result = run_python(
        ["-c", SETTINGS_SCRIPT, *names],
        cwd=folder,
        what=f"read the settings of {folder.name}",
        timeout=OPENAPI_TIMEOUT_SECONDS,
        env={},
        drop=names,
    )
    if result.returncode != 0:
        raise PluginError(
            f"Cannot read the settings {names} of {folder.name}:\n{stderr_tail(result)}"
        )
    values: dict[str, Any] = json.loads(result.stdout)
    EXCHANGES.settings[key] = {
        name: duration_words(value["seconds"]) if isinstance(value, dict) else str(value)
        for name, value in values.items()
    }
    return EXCHANGES.settings[key]


def settings_asked(markdown: str, manifest: Manifest) -> dict[str, tuple[Path, list[str]]]:
    """Each app that a page's ``{{ setting APP NAME }}`` names: its folder and the names asked."""
    found = list(SETTING.finditer(markdown))
    asked: dict[str, tuple[Path, list[str]]] = {}
    for app_id in sorted({match["app"] for match in found}):
        try:
            folder = manifest.path(manifest.step(app_id))
        except ManifestError as error:
            raise PluginError(f"A setting names an unknown app: {error}") from error
        asked[app_id] = (
            folder,
            sorted({match["name"] for match in found if match["app"] == app_id}),
        )
    return asked


def render_settings(markdown: str, manifest: Manifest) -> str:
    """Replace each ``{{ setting APP NAME }}`` with that setting's default in the named app."""
    asked = settings_asked(markdown, manifest)
    if not asked:
        return markdown
    defaults = {app_id: setting_defaults(*wanted) for app_id, wanted in asked.items()}
    return SETTING.sub(lambda match: defaults[match["app"]][match["name"]], markdown)


def prefetch_page_runs(pages: Iterable[File], manifest: Manifest) -> None:
    """Answer every page's exchanges, settings and workshop sessions now, side by side.

    Each is a Python process of its own that spends most of its second or two importing a step's
    app or the workshop tool. Asked for one page at a time by ``on_page_markdown``, they were half
    the build; run here, one per core, they fill the caches that ``on_page_markdown`` then reads.
    """
    jobs: list[Callable[[], object]] = []
    for page in pages:
        if not page.src_uri.endswith(".md"):
            continue
        markdown = page.content_string
        found = parse_exchanges(markdown, f"docs/{page.src_uri}")
        for app_id, indexes in exchanges_by_app(found).items():
            specs = [found[index][1] for index in indexes]
            jobs.append(functools.partial(answer_exchanges, manifest, app_id, specs))
        for folder, names in settings_asked(markdown, manifest).values():
            jobs.append(functools.partial(setting_defaults, folder, names))
        commands = [match["args"].strip() for match in WORKSHOP_FENCE.finditer(markdown)]
        if commands:
            jobs.append(functools.partial(workshop_transcripts, commands))
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        for future in [pool.submit(job) for job in jobs]:
            future.result()


# --- MkDocs hooks -------------------------------------------------------------------------------


def chapter_includes(step: Step) -> list[str]:
    """The include lines every step chapter carries: its tasks, then what it changed."""
    return [
        f'--8<-- "docs/generated/steps/{step.id}/tasks.md"',
        f'--8<-- "docs/generated/steps/{step.id}/changes.md"',
    ]


def check_chapter(step: Step) -> None:
    """Fail the build when a step's chapter is missing or lacks its generated sections."""
    chapter = DOCS / step.chapter
    if not chapter.is_file():
        raise PluginError(
            f"Step {step.id} names the chapter docs/{step.chapter} in steps/steps.toml, "
            "but that page does not exist: write it (copy an existing chapter's outline)."
        )
    text = chapter.read_text(encoding="utf-8")
    missing = [line for line in chapter_includes(step) if line not in text]
    if missing:
        raise PluginError(
            f"docs/{step.chapter} must include its generated sections, on lines of their own "
            "(under '## Your tasks' and '## What changed'):\n  " + "\n  ".join(missing)
        )


def _steps_nav(manifest: Manifest) -> list[dict[str, str]]:
    return [{f"{step.id} {step.title}": step.chapter} for step in manifest.steps]


def _notebooks_nav(sources: Iterable[Path]) -> list[dict[str, str]]:
    return [{notebook_title(path): notebook_uri(path)} for path in sources]


def _fill_section(config: MkDocsConfig, section: str, entries: list[dict[str, str]]) -> None:
    """Put ``entries`` under the top-level navigation section called ``section``."""
    for entry in config.nav or []:
        if isinstance(entry, dict) and section in entry:
            entry[section] = entries
            return
    raise PluginError(f'mkdocs.yml\'s nav needs a section called "{section}".')


def on_config(config: MkDocsConfig) -> MkDocsConfig:
    """Anchor the snippet paths and the notebooks' render cache at the repository; fill the nav.

    The navigation gets one chapter per step (manifest order) and one page per notebook.
    """
    snippets = config.mdx_configs.setdefault("pymdownx.snippets", {})
    bases = snippets.get("base_path", ["."])
    bases = [bases] if isinstance(bases, str) else bases
    snippets["base_path"] = [str((ROOT / base).resolve()) for base in bases]

    try:
        manifest = load_manifest(ROOT)
    except ManifestError as error:
        raise PluginError(f"Cannot read the workshop's manifest: {error}") from error
    for step in manifest.steps:
        check_chapter(step)
    _fill_section(config, STEPS_SECTION, _steps_nav(manifest))
    _fill_section(config, NOTEBOOKS_SECTION, _notebooks_nav(notebook_paths(NOTEBOOKS)))

    if not MERMAID_SOURCE.is_file():
        log.info("npm's Mermaid is not installed ('npm ci'): diagrams will load it from a CDN.")

    jupyter = config.plugins.get(JUPYTER_PLUGIN)
    if jupyter is None:
        raise PluginError(
            f"mkdocs.yml must enable the {JUPYTER_PLUGIN} plugin: it renders the notebooks."
        )
    jupyter.config["cache_dir"] = str(RENDER_CACHE)
    return config


def on_pre_build(config: MkDocsConfig) -> None:  # noqa: ARG001 - MkDocs passes it by name
    """Generate the includes, export the OpenAPI document and execute the stale notebooks."""
    generate(ROOT, GENERATED)
    STATE.openapi = export_openapi(ROOT / "final")
    sources = notebook_paths(NOTEBOOKS)
    write_if_changed(GENERATED / "notebooks-list.md", notebooks_list_markdown(sources))
    execute_notebooks(sources, EXECUTED)
    STATE.notebooks = [EXECUTED / path.name for path in sources]


# Before mkdocs-jupyter's on_files (priority 0), which turns the .ipynb files it finds, these
# included, into pages.
@event_priority(50)
def on_files(files: Files, config: MkDocsConfig) -> Files:
    """Add the OpenAPI document, Swagger UI, Mermaid, the notebooks and linked files; prefetch.

    Prefetching runs the pages' exchanges, settings and workshop sessions before any page renders.
    """
    files.append(File.generated(config, OPENAPI_URI, content=STATE.openapi))
    for copy in STATE.notebooks:
        # A File rooted in docs/generated/, not File.generated(): mkdocs-jupyter's wrapper
        # recomputes the source path from the file's folder, which a generated File lacks.
        notebook = File(
            notebook_uri(copy),
            src_dir=str(GENERATED),
            dest_dir=config.site_dir,
            use_directory_urls=config.use_directory_urls,
        )
        files.append(notebook)
    if MERMAID_SOURCE.is_file():
        files.append(File.generated(config, MERMAID_URI, abs_src_path=str(MERMAID_SOURCE)))
    dist = swagger_ui_dist()
    for name in SWAGGER_UI_FILES:
        source = dist / name
        if not source.is_file():
            raise PluginError(f"flask-swagger-ui ships no {name} in {dist}: reinstall it.")
        uri = f"{SWAGGER_UI_URI}/{name}"
        files.append(File.generated(config, uri, abs_src_path=str(source)))

    missing: list[str] = []
    linked: set[Path] = set()
    for file in files.documentation_pages():
        for relative in _page_links(file, ROOT, DOCS):
            if (ROOT / relative).is_file():
                linked.add(relative)
            else:
                missing.append(f"docs/{file.src_uri} links to {relative.as_posix()}")
    if missing:
        raise PluginError(
            "Links to repository files that do not exist:\n  " + "\n  ".join(sorted(missing))
        )
    for relative in sorted(linked):
        # Set explicitly: MkDocs would otherwise drop the pages of dotfiles (.env.example).
        page = File.generated(
            config,
            source_uri(relative),
            content=source_page(ROOT, relative),
            inclusion=InclusionLevel.NOT_IN_NAV,
        )
        files.append(page)
    prefetch_page_runs(files.documentation_pages(), load_manifest(ROOT))
    return files


def on_page_markdown(
    markdown: str,
    page: Page,
    config: MkDocsConfig,  # noqa: ARG001 - MkDocs passes it by name
    files: Files,  # noqa: ARG001
) -> str:
    """Answer the page's exchanges, run its workshop commands, and point repository links."""
    page_src = Path(page.file.abs_src_path or DOCS / page.file.src_uri)
    manifest = load_manifest(ROOT)
    markdown = render_exchanges(markdown, f"docs/{page.file.src_uri}", manifest)
    markdown = render_settings(render_constants(markdown), manifest)
    markdown = render_workshop_commands(markdown)

    def rewrite(match: re.Match[str]) -> str:
        relative = repository_target(page_src, match["target"], ROOT, DOCS)
        if relative is None:
            return match[0]
        anchor = match["target"].partition("#")[2]
        here = posixpath.dirname(page.file.src_uri)
        link = posixpath.relpath(source_uri(relative), here or ".")
        return f"{match['open']}{link}{'#' + anchor if anchor else ''}{match['rest']}"

    return LINK.sub(rewrite, markdown)


def on_page_content(
    html: str,
    page: Page,
    config: MkDocsConfig,  # noqa: ARG001 - MkDocs passes it by name
    files: Files,  # noqa: ARG001
) -> str:
    """Make a notebook page's table of contents link to its headings."""
    if page.file.src_uri.startswith(f"{NOTEBOOKS_URI}/") and page.file.src_uri.endswith(".ipynb"):
        align_toc(html, page.toc)
    return html


def on_post_page(
    output: str,
    page: Page,
    config: MkDocsConfig,  # noqa: ARG001 - MkDocs passes it by name
) -> str:
    """Load npm's Mermaid on the pages that draw a diagram, and only there.

    It is 5.5 MB of JavaScript that a browser must run before the page has loaded, and only a
    few pages hold a diagram: as a script of every page, it made each one three times slower.
    """
    if not MERMAID_SOURCE.is_file() or 'class="mermaid"' not in output:
        return output
    script = f'<script src="{get_relative_url(MERMAID_URI, page.url)}"></script>\n'
    before, body_end, after = output.rpartition("</body>")
    return before + script + body_end + after
