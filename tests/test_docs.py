"""The handbook site: it builds strictly, every page and link is there, and it renders in a browser.

The site is built once per session, from another working directory than the repository's, the way
`make docs` and CI build it. That build also executes the notebooks against a live final app,
unless their executed copies in docs/generated/notebooks/ are up to date. The hook module's pieces
are then tested on their own, on inputs the real repository does not have yet (a second step, a
broken final app, a benchmark file, notebooks that change).
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import html
import http.server
import importlib.util
import os
import re
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from types import ModuleType
from typing import Any, NamedTuple
from urllib.parse import unquote, urlsplit

import pytest
from mkdocs.structure.toc import AnchorLink
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import sync_playwright

from notebooks.live import LiveError, notebook_paths
from workshop.manifest import Manifest, Step, load_manifest

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
ARTIFACTS = ROOT / "test-artifacts"
MINI = Path(__file__).parent / "fixtures" / "mini"

# The pages every build must contain besides one chapter per step, as docs-relative sources.
PAGES = [
    "index.md",
    "getting-started.md",
    "final/index.md",
    "final/contract.md",
    "checklists.md",
    "instructors.md",
    "api.md",
]
PYTHON_LANGUAGES = {"python", "py", "python3", "py3", "pycon"}
MAX_PYTHON_LINES = 3
FENCE = re.compile(r"^(?P<indent>\s*)(?P<fence>`{3,}|~{3,})\s*\{?\s*\.?(?P<lang>[\w+-]*)")


def load_hooks() -> ModuleType:
    """Import docs/hooks.py the way MkDocs does: by path, since docs/ is not a package."""
    spec = importlib.util.spec_from_file_location("docs_hooks", DOCS / "hooks.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


hooks = load_hooks()


def built_page(site: Path, source: str) -> Path:
    """The HTML file MkDocs writes for a docs-relative Markdown source (directory URLs)."""
    stem = source.removesuffix(".md")
    if stem == "index" or stem.endswith("/index"):
        return site / stem.removesuffix("index") / "index.html"
    return site / stem / "index.html"


# --- The build ----------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def manifest() -> Manifest:
    """The real workshop's manifest."""
    return load_manifest(ROOT)


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The handbook, built once with --strict into a temporary folder, from outside the repo."""
    elsewhere = tmp_path_factory.mktemp("cwd")
    target = tmp_path_factory.mktemp("site")
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    result = subprocess.run(
        [
            *(sys.executable, "-m", "mkdocs", "build", "--strict", "--quiet"),
            *("--config-file", str(ROOT / "mkdocs.yml"), "--site-dir", str(target)),
        ],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if result.returncode != 0:
        pytest.fail(f"mkdocs build --strict failed:\n{result.stdout}\n{result.stderr}"[-4000:])
    return target


def test_every_step_in_the_manifest_has_a_built_chapter(site: Path, manifest: Manifest) -> None:
    for step in [*manifest.steps, manifest.final]:
        assert built_page(site, step.chapter).is_file(), f"no page for step {step.id}"


@pytest.mark.parametrize("source", PAGES)
def test_the_handbook_page_is_built(site: Path, source: str) -> None:
    page = built_page(site, source)
    assert page.is_file()
    assert "md-content" in page.read_text(encoding="utf-8")


MERMAID_SCRIPT = re.compile(r'<script src="[^"]*assets/javascripts/mermaid\.min\.js">')


def test_only_the_pages_that_draw_a_diagram_load_mermaid(site: Path) -> None:
    # Mermaid is megabytes of JavaScript: a reader of a page without a diagram must not wait for
    # it. Without npm's copy, Material fetches it from a CDN instead, on the same pages.
    local = hooks.MERMAID_SOURCE.is_file()
    pages = {
        page.relative_to(site).as_posix(): page.read_text(encoding="utf-8")
        for page in site.rglob("*.html")
    }
    drawing = {path for path, html in pages.items() if 'class="mermaid"' in html}
    loading = {path for path, html in pages.items() if MERMAID_SCRIPT.search(html)}
    assert drawing, "no page draws a diagram: the check below would prove nothing"
    assert loading == (drawing if local else set())


def test_the_steps_navigation_lists_every_step_in_manifest_order(
    site: Path, manifest: Manifest
) -> None:
    home = (site / "index.html").read_text(encoding="utf-8")
    positions = [home.find(f"{step.id} {step.title}") for step in manifest.steps]
    assert -1 not in positions
    assert positions == sorted(positions)


# --- Links --------------------------------------------------------------------------------------


class LinkParser(HTMLParser):
    """Collects the href and src values and the ids (anchors) of one HTML page."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:  # noqa: ARG002
        for name, value in attrs:
            if value is None:
                continue
            if name in ("href", "src"):
                self.links.append(value)
            elif name in ("id", "name"):
                self.ids.add(value)


@functools.cache
def parse_html(path: Path) -> LinkParser:
    """The links and ids of a built page, parsed once."""
    parser = LinkParser()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def broken_links(site: Path) -> list[str]:
    """Every relative href or src of the built site whose file (or anchor) does not exist."""
    problems = []
    for page in sorted(site.rglob("*.html")):
        for link in parse_html(page).links:
            parts = urlsplit(link)
            if parts.scheme or parts.netloc or link.startswith("//"):
                continue
            target = page
            if parts.path:
                # Root-relative paths (404.html uses them) start from the site's root.
                base = site if parts.path.startswith("/") else page.parent
                target = (base / unquote(parts.path).lstrip("/")).resolve()
                if target.is_dir():
                    target = target / "index.html"
                if not target.is_relative_to(site.resolve()) or not target.is_file():
                    problems.append(f"{page.relative_to(site)}: {link} (no such file)")
                    continue
            anchor = unquote(parts.fragment)
            if anchor and target.suffix == ".html" and anchor not in parse_html(target).ids:
                problems.append(f"{page.relative_to(site)}: {link} (no such anchor)")
    return problems


def test_no_internal_link_or_anchor_is_broken(site: Path) -> None:
    assert broken_links(site) == []


def test_the_link_checker_reports_a_missing_page_and_a_missing_anchor(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "index.html").write_text('<h1 id="top">A</h1>', encoding="utf-8")
    (tmp_path / "index.html").write_text(
        '<a href="a/#top">ok</a> <a href="a/#gone">x</a> <img src="missing.png">'
        ' <a href="https://example.com/">out</a> <a href="#">self</a>',
        encoding="utf-8",
    )
    assert broken_links(tmp_path) == [
        "index.html: a/#gone (no such anchor)",
        "index.html: missing.png (no such file)",
    ]


def test_repository_links_point_at_generated_source_pages(site: Path) -> None:
    checklists = built_page(site, "checklists.md").read_text(encoding="utf-8")
    assert 'href="../source/steps/01-factory/app/config.py/"' in checklists
    source = site / "source" / "steps" / "01-factory" / "app" / "config.py" / "index.html"
    assert "ProductionConfig" in source.read_text(encoding="utf-8")


def test_only_repository_links_are_rewritten() -> None:
    page = DOCS / "checklists.md"
    target = hooks.repository_target(page, "../final/app/config.py#L3", ROOT, DOCS)
    assert target == Path("final/app/config.py")
    for link in ("steps/01-factory.md", "https://example.com/x", "#anchor", "../../../etc"):
        assert hooks.repository_target(page, link, ROOT, DOCS) is None


# --- Code in the Markdown sources ---------------------------------------------------------------


class Fence(NamedTuple):
    """A fenced block of a Markdown page: its first line's number, its language, its lines."""

    line: int
    language: str
    body: list[str]


def fences(markdown: str) -> Iterator[Fence]:
    """Every fenced block of ``markdown``, in order (numbered from 1, as an editor shows them)."""
    lines = markdown.splitlines()
    index = 0
    while index < len(lines):
        opening = FENCE.match(lines[index])
        if not opening:
            index += 1
            continue
        start, body = index, []
        index += 1
        while index < len(lines) and not lines[index].strip().startswith(opening["fence"]):
            body.append(lines[index])
            index += 1
        index += 1
        yield Fence(start + 1, opening["lang"].lower(), body)


def written_lines(body: list[str]) -> int:
    """The lines of a block written by hand: those a ``--8<--`` snippet include brings are not."""
    written, in_snippet = 0, False
    for line in body:
        text = line.strip()
        if text == "--8<--":
            in_snippet = not in_snippet
        elif text and not in_snippet and not text.startswith("--8<--"):
            written += 1
    return written


def long_python_blocks(markdown: str) -> list[int]:
    """The line numbers of fenced Python blocks with more than three lines written by hand.

    Lines that include a file with pymdownx.snippets (``--8<-- "path"``, or the block form of
    ``--8<--`` lines around paths) are not written by hand and do not count.
    """
    return [
        fence.line
        for fence in fences(markdown)
        if fence.language in PYTHON_LANGUAGES and written_lines(fence.body) > MAX_PYTHON_LINES
    ]


def markdown_sources() -> list[Path]:
    """Every hand-written Markdown page (the generated includes are not hand-written)."""
    return [path for path in sorted(DOCS.rglob("*.md")) if "generated" not in path.parts]


@pytest.mark.parametrize("page", markdown_sources(), ids=lambda path: path.name)
def test_no_page_writes_a_long_python_block_by_hand(page: Path) -> None:
    assert long_python_blocks(page.read_text(encoding="utf-8")) == []


SNIPPET = re.compile(r'--8<--(?: "(?P<path>[^"]+)")?')


def broken_includes(markdown: str) -> list[int]:
    """Fence lines that look like a snippet include but are not one a build would follow."""
    broken = []
    for fence in fences(markdown):
        for offset, line in enumerate(fence.body, start=1):
            text = line.strip()
            if not text.startswith("--8"):
                continue
            include = SNIPPET.fullmatch(text)
            if include is None or (include["path"] and not (ROOT / include["path"]).is_file()):
                broken.append(fence.line + offset)
    return broken


@pytest.mark.parametrize("page", markdown_sources(), ids=lambda path: path.name)
def test_every_include_in_a_code_block_names_a_file(page: Path) -> None:
    assert broken_includes(page.read_text(encoding="utf-8")) == []


def test_the_include_checker_flags_a_mangled_or_missing_include() -> None:
    markdown = (
        '```python\n--8 < --"final/app/config.py"\n--8<-- "final/app/nowhere.py"\n'
        '--8<-- "final/app/config.py"\n```\n'
    )
    assert broken_includes(markdown) == [2, 3]


def test_the_checker_flags_a_long_python_block() -> None:
    markdown = (
        "Text.\n\n```python\nimport os\n\n\ndef f() -> str:\n    return os.sep\n\n"
        'print(f())\n```\n\n    ```py title="x.py"\n    a = 1\n    b = 2\n    c = 3\n'
        "    d = 4\n    ```\n"
    )
    assert long_python_blocks(markdown) == [3, 13]


def test_the_checker_accepts_includes_short_blocks_and_other_languages() -> None:
    markdown = (
        '```python\n--8<-- "steps/01-factory/app/config.py"\n```\n\n'
        "```python\n--8<--\nsteps/01-factory/app/config.py\nsteps/01-factory/wsgi.py\n--8<--\n```\n\n"
        "```python\nfrom app import create_app\n\napp = create_app()\n```\n\n"
        "```bash\nmake setup\nmake run\nmake test\nmake docs\n```\n"
    )
    assert long_python_blocks(markdown) == []


# --- Generated content --------------------------------------------------------------------------


def chapter_text(site: Path, step: Step) -> str:
    """The built HTML of a step's chapter."""
    return built_page(site, step.chapter).read_text(encoding="utf-8")


def test_each_chapter_shows_what_changed_from_the_step_before(
    site: Path, manifest: Manifest
) -> None:
    for step in manifest.steps:
        markup = chapter_text(site, step)
        previous = manifest.previous(step)
        if previous is None:
            assert f"Step {step.id} is the first step" in markup
        else:
            assert "language-diff" in markup
            assert f"+++ {step.folder}/" in markup


def test_each_chapter_lists_its_tasks_with_folded_hints(site: Path, manifest: Manifest) -> None:
    for step in manifest.steps:
        markup = chapter_text(site, step)
        folded = re.findall(r'<details class="tip">(.*?)</details>', markup, flags=re.S)
        assert len(folded) == len(step.tasks)
        for task, hint in zip(step.tasks, folded, strict=True):
            assert f"{task.id} {task.title}" in markup
            assert f"workshop hint {step.id} {task.id}" in hint


def test_the_step_01_chapter_includes_the_steps_real_files(site: Path, manifest: Manifest) -> None:
    text = html.unescape(re.sub(r"<[^>]+>", "", chapter_text(site, manifest.step("01"))))
    for line in (
        "def create_app(config_name: str | None = None) -> Flask:",
        "class ProductionConfig(BaseConfig):",
        'HEADER = "X-Request-ID"',
        "def register_error_handlers(app: Flask) -> None:",
    ):
        assert line in text


def test_the_instructor_page_shows_the_manifest_timings(site: Path, manifest: Manifest) -> None:
    markup = built_page(site, "instructors.md").read_text(encoding="utf-8")
    rows = [
        re.sub(r"<[^>]+>", "", row).split()
        for row in re.findall(r"<tr>(.*?)</tr>", markup, flags=re.S)
    ]
    for step in manifest.steps:
        expected = [step.id, *step.title.split(), str(step.teach_minutes)]
        expected.append(str(step.exercise_minutes))
        assert any(row[: len(expected)] == expected for row in rows), step.id
    teach = sum(step.teach_minutes for step in manifest.steps)
    exercise = sum(step.exercise_minutes for step in manifest.steps)
    totals = next(row for row in rows if row and row[0] == "all")
    assert totals[3:5] == [str(teach), str(exercise)]


def test_the_api_reference_ships_the_openapi_document_and_swagger_ui(site: Path) -> None:
    document = hooks.json.loads((site / hooks.OPENAPI_URI).read_text(encoding="utf-8"))
    assert document["openapi"].startswith("3.1")
    assert {"/healthz", "/api/v1/books"} <= set(document["paths"])
    bundle = site / hooks.SWAGGER_UI_URI / "swagger-ui-bundle.js"
    assert bundle.stat().st_size > 100_000
    api = built_page(site, "api.md").read_text(encoding="utf-8")
    assert 'id="swagger-ui"' in api
    assert "cdn" not in api.lower()


def test_a_step_needs_a_chapter_with_its_generated_sections(manifest: Manifest) -> None:
    step = manifest.step("01")
    hooks.check_chapter(step)
    with pytest.raises(hooks.PluginError, match="does not exist"):
        hooks.check_chapter(dataclasses.replace(step, chapter="steps/99-missing.md"))
    with pytest.raises(hooks.PluginError, match="must include its generated sections"):
        hooks.check_chapter(dataclasses.replace(step, chapter="index.md"))


def test_a_later_step_gets_its_diff_as_a_diff_block() -> None:
    mini = load_manifest(MINI)
    changes = hooks.changes_markdown(mini, mini.step("02"))
    assert "```diff\n" in changes
    assert "+++ steps/02-beta/app/shout.py" in changes
    assert "BEGIN TASK" not in changes
    # The chapter is read before the exercises: each task shows as its stub, not its solution.
    stub = 'raise NotImplementedError("Task 02.1: Return the greeting in capitals.")'
    assert f"+    {stub}" in changes
    assert "greet(name).upper()" not in changes


def test_a_tasks_hints_are_folded_in_the_order_the_terminal_gives_them() -> None:
    step = load_manifest(MINI).step("02")
    levels = dataclasses.replace(step.tasks[0], hints=("Strings change case.", "str.upper()."))
    markdown = hooks.tasks_markdown(dataclasses.replace(step, tasks=(levels,)))
    assert '??? tip "Hint for 02.1"' in markdown
    assert markdown.index("1. Strings change case.") < markdown.index("2. str.upper().")
    assert "`workshop hint 02 02.1`" in markdown


def test_a_later_step_names_the_files_and_functions_it_changes() -> None:
    mini = load_manifest(MINI)
    changes = hooks.changes_markdown(mini, mini.step("02"))
    listed = changes[: changes.index("The diff from step 01")]
    assert listed == (
        "What this step adds, changes and removes:\n\n"
        "- `app/names.py`: adds `initials`; changes `Guest.label`\n"
        "- `app/shout.py`: new file\n"
        "- `tests/test_shout.py`: new file\n\n"
    )


def test_the_architecture_diagram_draws_every_layer_and_only_downward_imports() -> None:
    diagram = hooks.architecture_markdown(ROOT / "final")
    boxes = re.findall(r'^    layer(\d+)\["([^"]*)"\]$', diagram, flags=re.MULTILINE)
    modules = {name for _, names in boxes for name in names.split(", ")}
    children = {path.stem for path in (ROOT / "final/app").iterdir() if path.name != "__init__.py"}
    assert modules == children - {"__pycache__"}
    arrows = re.findall(r"^    layer(\d+) --> layer(\d+)$", diagram, flags=re.MULTILINE)
    assert arrows
    assert all(int(above) < int(below) for above, below in arrows)
    layer = {name: index for index, names in boxes for name in names.split(", ")}
    assert (layer["blueprints"], layer["services"]) in arrows


def test_the_timings_add_up_over_several_steps() -> None:
    table = hooks.timings_markdown(load_manifest(MINI))
    assert "| 02 | [Beta](steps/02-beta.md) | 5 | 10 | 15 min |" in table
    assert "| **all** | **2 steps** | **10** | **20** | **30 min** |" in table


def test_a_fence_is_longer_than_any_fence_inside_the_text() -> None:
    assert hooks.fence_for("no fences") == "```"
    assert hooks.fence_for("a\n````python\nb\n````\n") == "`````"


def test_the_performance_page_draws_each_backends_ratios(tmp_path: Path) -> None:
    assert "No benchmark recorded yet" in hooks.benchmarks_markdown(tmp_path)
    results = tmp_path / "final" / "benchmarks" / "latest.md"
    results.parent.mkdir(parents=True)
    results.write_text(
        "# Benchmark\n\n<!-- bench:embedded -->\n## SQLite\n\n- Date: today\n\n"
        "| row | requests/s | ratio to bare |\n|---|---:|---:|\n| bare route | 100 | 1.00 |\n"
        "| cached list | 60 | 0.60 |\n<!-- /bench:embedded -->\n\n## Fixed on a date\n\nLog.\n",
        encoding="utf-8",
    )
    page = hooks.benchmarks_markdown(tmp_path)
    assert "## SQLite\n\n- Date: today" in page
    assert "<svg" in page
    assert ">0.60</text>" in page
    assert ">cached list</text>" in page
    assert "Fixed on a date" not in page


def test_the_chart_draws_the_first_table_of_a_section() -> None:
    text = (
        "<!-- bench:embedded -->\n## SQLite\n\n### plain\n\n"
        "| row | requests/s | ratio to bare |\n|---|---:|---:|\n| cached list | 60 | 0.60 |\n\n"
        "### production\n\n"
        "| row | requests/s | ratio to bare |\n|---|---:|---:|\n| cached list | 50 | 0.50 |\n\n"
        "| request | SQL statements | Redis round trips |\n|---|---:|---:|\n"
        "| cached list | 0 | 2 |\n"
        "<!-- /bench:embedded -->\n"
    )
    [section] = hooks.bench_sections(text)
    assert section.ratios == {"cached list": 0.6}
    assert "### production" in section.markdown


def test_the_performance_page_is_built_with_its_chart(site: Path) -> None:
    page = built_page(site, "final/performance.md").read_text(encoding="utf-8")
    assert "<svg" in page
    assert "ratio to bare" in page


def write_app(final: Path, body: str) -> None:
    """A throwaway final/ whose app package holds ``body``."""
    (final / "app").mkdir(parents=True)
    (final / "app" / "__init__.py").write_text(body, encoding="utf-8")


def test_a_duration_setting_reads_in_the_largest_unit_it_fills() -> None:
    hooks = load_hooks()
    assert [hooks.duration_words(s) for s in (900, 1_209_600, 3600, 90)] == [
        "15 minutes",
        "14 days",
        "1 hour",
        "90 seconds",
    ]


def test_a_setting_renders_the_apps_default_whatever_the_builders_environment(
    manifest: Manifest, monkeypatch: pytest.MonkeyPatch
) -> None:
    hooks = load_hooks()
    page = (
        "Sign-ups: {{ setting final RATELIMIT_REGISTER }};"
        " tokens: {{ setting 04 JWT_ACCESS_TOKEN_EXPIRES }}."
    )
    monkeypatch.delenv("RATELIMIT_REGISTER", raising=False)
    monkeypatch.delenv("JWT_ACCESS_TOKEN_EXPIRES", raising=False)
    default = hooks.render_settings(page, manifest)
    assert "{{" not in default
    monkeypatch.setenv("RATELIMIT_REGISTER", "7 per day")
    monkeypatch.setenv("JWT_ACCESS_TOKEN_EXPIRES", "61")
    assert hooks.render_settings(page, manifest) == default
    with pytest.raises(hooks.PluginError, match="unknown app"):
        hooks.render_settings("{{ setting 99 RATELIMIT_REGISTER }}", manifest)


def test_the_openapi_export_asks_the_app_itself(tmp_path: Path) -> None:
    write_app(
        tmp_path,
        "from flask import Flask\n"
        "def create_app(name):\n"
        "    app = Flask(__name__)\n"
        "    app.get('/openapi.json')(lambda: {'openapi': '3.1.0', 'paths': {}, 'x': name})\n"
        "    return app\n",
    )
    document = hooks.json.loads(hooks.export_openapi(tmp_path))
    assert document == {"openapi": "3.1.0", "paths": {}, "x": "testing"}


def test_the_build_fails_clearly_when_the_final_app_cannot_be_imported(tmp_path: Path) -> None:
    write_app(tmp_path, "from app.commands import register_commands\n")
    with pytest.raises(hooks.PluginError) as caught:
        hooks.export_openapi(tmp_path)
    message = str(caught.value)
    assert "Cannot export the OpenAPI document" in message
    assert "No module named 'app.commands'" in message


# --- Notebooks ----------------------------------------------------------------------------------

NOTEBOOKS = notebook_paths(ROOT / "notebooks")
OUTPUT = re.compile(r'<div class="[^"]*\bjp-OutputArea-output\b[^"]*"[^>]*>(.*?)</div>', re.S)


def notebook_page(site: Path, notebook: Path) -> str:
    """The built HTML of a notebook's page: notebooks/01-tour.ipynb is at notebooks/01-tour/."""
    return (site / "notebooks" / notebook.stem / "index.html").read_text(encoding="utf-8")


def output_text(markup: str) -> str:
    """The text of a notebook page's output areas, without tags."""
    return html.unescape(re.sub(r"<[^>]+>", "", "\n".join(OUTPUT.findall(markup))))


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda path: path.name)
def test_each_notebook_has_a_page_with_its_outputs(site: Path, notebook: Path) -> None:
    markup = notebook_page(site, notebook)
    assert "md-content" in markup
    assert hooks.notebook_title(notebook) in markup
    assert output_text(markup).strip(), f"{notebook.name}: its page shows no output"
    stderr = re.search(r'<div[^>]*data-mime-type="application/vnd\.jupyter\.stderr"', markup)
    assert stderr is None, f"{notebook.name}: its page shows an error or a warning"


def test_the_tour_page_shows_what_its_cells_printed(site: Path) -> None:
    outputs = output_text(notebook_page(site, ROOT / "notebooks" / "01-tour.ipynb"))
    assert "is up: {'status': 'ok'}" in outputs
    assert '"code": "not_found"' in outputs


def test_the_limits_page_shows_its_charts(site: Path) -> None:
    markup = notebook_page(site, ROOT / "notebooks" / "04-limits-and-cache.ipynb")
    assert markup.count('src="data:image/png;base64,') >= 2


def test_the_notebooks_navigation_lists_every_notebook_in_order(site: Path) -> None:
    home = (site / "index.html").read_text(encoding="utf-8")
    positions = [home.find(f'href="notebooks/{path.stem}/"') for path in NOTEBOOKS]
    assert -1 not in positions
    assert positions == sorted(positions)


def test_the_instructor_guide_links_every_notebook_page(site: Path) -> None:
    markup = built_page(site, "instructors.md").read_text(encoding="utf-8")
    for path in NOTEBOOKS:
        assert f'href="../notebooks/{path.stem}/"' in markup, path.name


def test_a_notebook_table_of_contents_takes_the_ids_of_its_headings() -> None:
    top = AnchorLink("03 · Loans", "03-loans", 1)
    top.children = [AnchorLink("No copy left: book_unavailable", "no-copy-left", 2)]
    html = (
        '<h1 id="03-loans">03 · Loans<a class="anchor-link" href="#03-loans">¶</a></h1><p>x</p>'
        '<h2 class="x" id="no-copy-left-book_unavailable">No copy left: <code>book_unavailable'
        "</code></h2>"
    )
    hooks.align_toc(html, [top])
    assert [top.id, top.children[0].id] == ["03-loans", "no-copy-left-book_unavailable"]
    assert [top.title, top.children[0].title] == ["03 · Loans", "No copy left: book_unavailable"]
    hooks.align_toc('<h1 id="other">', [top])
    assert top.id == "03-loans"


def write_notebook(folder: Path, name: str, heading: str) -> Path:
    """A minimal notebook file: one Markdown cell with ``heading``, one code cell."""
    folder.mkdir(parents=True, exist_ok=True)
    cells = [
        {"cell_type": "markdown", "metadata": {}, "source": ["Intro\n", f"# {heading}\n"]},
        {
            "cell_type": "code",
            "metadata": {},
            "source": "1 + 1",
            "outputs": [],
            "execution_count": None,
        },
    ]
    path = folder / name
    path.write_text(
        hooks.json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5})
    )
    return path


def test_a_notebook_is_titled_by_its_first_heading(tmp_path: Path) -> None:
    assert (
        hooks.notebook_title(write_notebook(tmp_path, "07-x.ipynb", "07 · Seven")) == "07 · Seven"
    )
    untitled = write_notebook(tmp_path, "08-y.ipynb", "x")
    untitled.write_text('{"cells": []}', encoding="utf-8")
    assert hooks.notebook_title(untitled) == "08-y"


class FakeExecution:
    """Stands in for ``notebooks.live.execute_all``: copies the notebooks, records their names."""

    def __init__(self) -> None:
        self.runs: list[list[str]] = []

    def __call__(self, out_dir: Path, notebooks: Path) -> list[Path]:
        out_dir.mkdir(parents=True, exist_ok=True)
        names = sorted(path.name for path in notebooks.glob("*.ipynb"))
        self.runs.append(names)
        for name in names:
            shutil.copyfile(notebooks / name, out_dir / name)
        return [out_dir / name for name in names]


@pytest.fixture
def workshop_root(tmp_path: Path) -> Path:
    """A repository with two notebooks and the inputs an executed copy depends on."""
    root = tmp_path / "repo"
    write_notebook(root / "notebooks", "01-a.ipynb", "A")
    write_notebook(root / "notebooks", "02-b.ipynb", "B")
    (root / "notebooks" / "live.py").write_text("# runs notebooks\n", encoding="utf-8")
    write_app(root / "final", "VERSION = 1\n")
    return root


def test_notebooks_are_executed_again_only_when_their_inputs_change(
    workshop_root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = FakeExecution()
    monkeypatch.setattr(hooks, "execute_all", fake)
    out = tmp_path / "executed"

    def build() -> list[str]:
        sources = notebook_paths(workshop_root / "notebooks")
        return [path.name for path in hooks.execute_notebooks(sources, out, workshop_root)]

    assert build() == ["01-a.ipynb", "02-b.ipynb"]
    assert build() == []
    write_notebook(workshop_root / "notebooks", "02-b.ipynb", "B, edited")
    assert build() == ["02-b.ipynb"]
    (workshop_root / "final" / "app" / "__init__.py").write_text("VERSION = 2\n", encoding="utf-8")
    assert build() == ["01-a.ipynb", "02-b.ipynb"]
    (workshop_root / "notebooks" / "live.py").write_text("# changed\n", encoding="utf-8")
    assert build() == ["01-a.ipynb", "02-b.ipynb"]
    (out / "01-a.ipynb").unlink()
    assert build() == ["01-a.ipynb"]
    (workshop_root / "notebooks" / "02-b.ipynb").unlink()
    assert build() == []
    assert sorted(path.name for path in out.glob("*.ipynb")) == ["01-a.ipynb"]
    both = ["01-a.ipynb", "02-b.ipynb"]
    assert fake.runs == [both, ["02-b.ipynb"], both, both, ["01-a.ipynb"]]


def test_a_failing_notebook_fails_the_build_and_keeps_the_old_copies(
    workshop_root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "executed"
    sources = notebook_paths(workshop_root / "notebooks")
    monkeypatch.setattr(hooks, "execute_all", FakeExecution())
    hooks.execute_notebooks(sources, out, workshop_root)
    hashes = (out / hooks.HASHES_FILE).read_text(encoding="utf-8")

    def failing(out_dir: Path, notebooks: Path) -> list[Path]:
        raise LiveError("02-b.ipynb: cell 1 failed; it starts with:\n    1 + 1\nZeroDivisionError")

    monkeypatch.setattr(hooks, "execute_all", failing)
    write_notebook(workshop_root / "notebooks", "02-b.ipynb", "B, broken")
    with pytest.raises(hooks.PluginError) as caught:
        hooks.execute_notebooks(sources, out, workshop_root)
    assert "02-b.ipynb: cell 1 failed" in str(caught.value)
    assert "ZeroDivisionError" in str(caught.value)
    assert (out / hooks.HASHES_FILE).read_text(encoding="utf-8") == hashes
    assert "B, broken" not in (out / "02-b.ipynb").read_text(encoding="utf-8")


def test_the_notebook_list_links_each_page_relative_to_the_docs_root(workshop_root: Path) -> None:
    listing = hooks.notebooks_list_markdown(notebook_paths(workshop_root / "notebooks"))
    assert listing == (
        "- [A](notebooks/01-a.ipynb): `notebooks/01-a.ipynb`\n"
        "- [B](notebooks/02-b.ipynb): `notebooks/02-b.ipynb`\n"
    )


# --- Example answers: produced by the app, never typed -------------------------------------------

# What an answer of this API looks like inside a fence: an error body, a page, a token pair.
ANSWER_KEYS = re.compile(r'"(?:request_id|items|access_token)"\s*:')


def typed_answers(markdown: str) -> list[int]:
    """The line numbers of fences that show an exchange or an API answer written by hand.

    An ``http`` fence is an exchange, and a JSON fence with a request id, a page's items or a
    token is an answer: both must come from an ``exchange`` fence, which the build answers.
    """
    return [
        fence.line
        for fence in fences(markdown)
        if fence.language == "http"
        or (fence.language == "json" and ANSWER_KEYS.search("\n".join(fence.body)))
    ]


@pytest.mark.parametrize("page", markdown_sources(), ids=lambda path: path.name)
def test_no_page_types_an_example_answer_by_hand(page: Path) -> None:
    assert typed_answers(page.read_text(encoding="utf-8")) == []


def test_the_checker_flags_typed_exchanges_and_answers_but_not_requests() -> None:
    markdown = (
        "```http\nGET /x\n\nHTTP/1.1 200 OK\n```\n\n"
        '```json\n{"code": "x", "request_id": "1"}\n```\n\n'
        '```json\n{"title": "A request body"}\n```\n\n'
        "```exchange\napp: final\nrequest: GET /api/v1/\n```\n"
    )
    assert typed_answers(markdown) == [1, 7]


def test_every_example_exchange_shows_the_answer_the_app_gave(site: Path) -> None:
    page = built_page(site, "final/contract.md").read_text(encoding="utf-8")
    assert page.count("Answered by the final app when this page was built") >= 3
    assert "book_unavailable" in page
    assert "exchange" not in re.findall(r'class="language-(\w+)"', page)


def test_an_exchange_fence_is_answered_by_the_named_step(manifest: Manifest) -> None:
    hooks = load_hooks()
    markdown = (
        'Before.\n\n```exchange\napp: "01"\nrequest: GET /api/v1/books/99\n'
        "headers: {X-Request-ID: demo-7}\nshow: [X-Request-ID]\n```\n\nAfter.\n"
    )
    rendered = hooks.render_exchanges(markdown, "test.md", manifest)
    assert rendered.startswith("Before.\n\n```http title=\"Answered by step 01's app")
    assert "HTTP/1.1 404 Not Found\nX-Request-ID: demo-7" in rendered
    assert '"request_id": "demo-7"' in rendered
    assert rendered.endswith("```\n\nAfter.\n")


def test_a_malformed_exchange_fails_the_build(manifest: Manifest) -> None:
    hooks = load_hooks()
    with pytest.raises(hooks.PluginError, match="needs 'app' and 'request'"):
        hooks.render_exchanges("```exchange\nrequest: GET /\n```\n", "test.md", manifest)


def test_a_constant_in_the_prose_is_read_from_the_code(tmp_path: Path) -> None:
    hooks = load_hooks()
    module = tmp_path / "rules.py"
    module.write_text(
        "from datetime import timedelta\nLIMIT = 5\nPERIOD = timedelta(days=14, hours=1)\n",
        encoding="utf-8",
    )
    text = "At most {{ const rules.py LIMIT }} loans, each for {{ const rules.py PERIOD }}."
    assert hooks.render_constants(text, tmp_path) == "At most 5 loans, each for 14 days 1 hour."
    with pytest.raises(hooks.PluginError, match="no module-level constant MISSING"):
        hooks.render_constants("{{ const rules.py MISSING }}", tmp_path)


def test_the_contract_states_the_page_bounds_from_the_code(site: Path) -> None:
    page = built_page(site, "final/contract.md").read_text(encoding="utf-8")
    assert "{{ const" not in page
    assert "1 to 100; default 20" in page


# --- In a browser -------------------------------------------------------------------------------


def chromium() -> str:
    """The Chromium executable, or a skip (a failure when REQUIRE_BROWSER=1)."""
    found = shutil.which("chromium")
    if found:
        return found
    reason = "chromium is not on PATH: the site was not rendered in a browser"
    if os.environ.get("REQUIRE_BROWSER") == "1":
        pytest.fail(f"{reason} (REQUIRE_BROWSER=1)")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def served(site: Path) -> Iterator[str]:
    """The built site over HTTP on a free local port, as a browser would get it."""
    handler = functools.partial(QuietHandler, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    """Serves files without writing a log line per request into the test output."""

    def log_message(self, format: str, *args: object) -> None:
        """Say nothing."""


def render(browser: str, url: str, screenshot: Path, tmp_path: Path) -> subprocess.Popen[str]:
    """Start headless Chromium on ``url``: screenshot to a file, the rendered DOM to stdout."""
    profile = tmp_path / screenshot.stem
    return subprocess.Popen(
        [
            browser,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={profile}",
            "--window-size=1280,900",
            "--virtual-time-budget=5000",
            f"--screenshot={screenshot}",
            "--dump-dom",
            url,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )


def test_the_home_page_and_step_01_render_in_a_browser(
    served: str, manifest: Manifest, tmp_path: Path
) -> None:
    browser = chromium()
    ARTIFACTS.mkdir(exist_ok=True)
    step = manifest.step("01")
    pages = {
        "home": "/",
        f"step-{step.id}": "/" + built_page(Path(), step.chapter).parent.as_posix() + "/",
    }
    runs = {
        name: render(browser, served + path, ARTIFACTS / f"{name}.png", tmp_path)
        for name, path in pages.items()
    }
    doms = {}
    for name, run in runs.items():
        dom, _ = run.communicate(timeout=60)
        doms[name] = dom
        assert run.returncode == 0, name
        assert (ARTIFACTS / f"{name}.png").stat().st_size > 10_000, name
        assert 'class="md-tabs"' in dom, f"{name}: no navigation tabs"
        assert 'class="md-nav__link' in dom, f"{name}: no navigation links"
        assert 'class="md-search__input"' in dom, f"{name}: no search box"
        assert "md-code__content" in dom, f"{name}: no code block rendered"
        assert 'data-md-type="copy"' in dom, f"{name}: no copy button (did the theme's JS run?)"
    assert step.tasks[0].title in doms[f"step-{step.id}"]


# What the reader's check looks for on a page, once its scripts have run: scripts that failed,
# diagrams Mermaid did not draw, images that did not load, same-page anchors that lead nowhere,
# and code blocks wider than their column that a reader could not scroll. (Swagger UI's "#/..."
# links are routes of its own, not anchors.)
PAGE_PROBLEMS_SCRIPT = """() => {
  const problems = [];
  for (const diagram of document.querySelectorAll('.mermaid')) {
    const svg = diagram.shadowRoot && diagram.shadowRoot.querySelector('svg');
    if (!svg) problems.push('a diagram did not render as SVG');
    else if (svg.querySelector('.error-icon')) problems.push('a diagram has a syntax error');
  }
  for (const image of document.images) {
    if (!image.complete || image.naturalWidth === 0) problems.push('no image: ' + image.src);
  }
  for (const link of document.querySelectorAll('a[href^="#"]:not([href^="#/"])')) {
    const id = decodeURIComponent(link.getAttribute('href').slice(1));
    if (id && !document.getElementById(id)) problems.push('anchor not found: #' + id);
  }
  const scrolls = (element) => ['auto', 'scroll'].includes(getComputedStyle(element).overflowX);
  for (const code of document.querySelectorAll('pre > code')) {
    if (code.scrollWidth > code.clientWidth + 1 && !scrolls(code) && !scrolls(code.parentElement)) {
      problems.push('a code block overflows without a scrollbar');
    }
  }
  return problems;
}"""


# Material draws each diagram inside a closed shadow root; the test opens those roots (before any
# script of the page runs) so it can see the SVG, and an error diagram, inside.
OPEN_SHADOW_ROOTS = """
const attach = Element.prototype.attachShadow;
Element.prototype.attachShadow = function (options) {
  return attach.call(this, { ...options, mode: 'open' });
};
"""
DIAGRAMS_DRAWN = (
    "[...document.querySelectorAll('.mermaid')]"
    ".every(d => d.shadowRoot && d.shadowRoot.querySelector('svg'))"
)


def site_pages(site: Path) -> list[str]:
    """Every page of the built site, as a path below its root (``steps/01-factory/``)."""
    pages = []
    for index in sorted(site.rglob("index.html")):
        relative = index.parent.relative_to(site).as_posix()
        pages.append("" if relative == "." else f"{relative}/")
    return pages


# The network stops at the site's own server, as in a classroom that has no other: every other
# request goes to a proxy on the discard port, where nothing listens. Unlike Playwright's request
# routing, a proxy leaves the browser's cache on.
NO_NETWORK = {"server": "http://127.0.0.1:9", "bypass": "127.0.0.1"}


def page_problems(tab: Any, url: str) -> list[str]:
    """Open ``url`` in ``tab``; what went wrong there, once its scripts and diagrams have run."""
    errors: list[str] = []

    def console(message: Any) -> None:
        if message.type == "error":
            errors.append(message.text)

    def page_error(error: Any) -> None:
        errors.append(str(error))

    tab.on("console", console)
    tab.on("pageerror", page_error)
    tab.goto(url, wait_until="load")
    if tab.locator(".mermaid").count():
        # On a timeout, PAGE_PROBLEMS_SCRIPT below reports the diagram that is missing.
        with contextlib.suppress(PlaywrightTimeout):
            tab.wait_for_function(DIAGRAMS_DRAWN, timeout=20_000)
    found: list[str] = tab.evaluate(PAGE_PROBLEMS_SCRIPT)
    tab.remove_listener("console", console)
    tab.remove_listener("pageerror", page_error)
    return [*errors, *found]


def test_every_page_renders_in_a_browser_without_network(served: str, site: Path) -> None:
    browser_path = chromium()
    pages = site_pages(site)
    problems: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=browser_path, args=["--no-sandbox"], proxy=NO_NETWORK
        )
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        context.add_init_script(OPEN_SHADOW_ROOTS)
        # One tab goes from page to page, as a reader does: a new tab per page took twice as long.
        tab = context.new_page()
        for path in pages:
            problems += [
                f"/{path}: {problem}" for problem in page_problems(tab, served + "/" + path)
            ]
        browser.close()
    assert len(pages) > 20, pages
    assert problems == []


def test_the_architecture_diagrams_render_as_svg(served: str) -> None:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium(), args=["--no-sandbox"])
        tab = browser.new_page()
        tab.add_init_script(OPEN_SHADOW_ROOTS)
        tab.goto(f"{served}/final/", wait_until="load")
        tab.wait_for_function(DIAGRAMS_DRAWN, timeout=20_000)
        drawn = tab.evaluate("document.querySelectorAll('.mermaid').length")
        browser.close()
    assert drawn >= 2
