"""Task markers: regions are found, paired, stubbed and hidden as the maintainers' guide says."""

from pathlib import Path

import pytest

from workshop.markers import MarkerError, find_regions, strip_markers, stub_text

SOURCE = '''def area(width, height):
    """Area of a rectangle."""
    # BEGIN TASK 03.2
    product = width * height
    return product
    # END TASK
'''


def test_a_region_is_found_with_its_lines() -> None:
    (region,) = find_regions(Path("shapes.py"), SOURCE)
    assert (region.task, region.begin, region.end) == ("03.2", 3, 6)


def test_a_stub_replaces_the_body_and_keeps_the_markers() -> None:
    stubbed = stub_text(SOURCE, {"03.2": 'Task 03.2: Return "width times height".'})
    assert stubbed == (
        "def area(width, height):\n"
        '    """Area of a rectangle."""\n'
        "    # BEGIN TASK 03.2\n"
        '    raise NotImplementedError("Task 03.2: Return \\"width times height\\".")\n'
        "    # END TASK\n"
    )
    namespace: dict[str, object] = {}
    exec(compile(stubbed, "shapes.py", "exec"), namespace)  # noqa: S102 - our own test input
    with pytest.raises(NotImplementedError, match='Return "width times height"'):
        namespace["area"](2, 3)  # type: ignore[operator]


def test_regions_of_other_tasks_are_left_alone() -> None:
    assert stub_text(SOURCE, {"03.1": "Task 03.1"}) == SOURCE


def test_strip_markers_keeps_the_code_between_them() -> None:
    assert "BEGIN" not in strip_markers(SOURCE)
    assert "    return product\n" in strip_markers(SOURCE)


def test_strip_markers_drops_one_line_test_markers_only() -> None:
    tests = (
        'pytestmark = pytest.mark.task("04.2")\n'
        '@pytest.mark.task("03.1")\n'
        "def test_x() -> None:\n"
        '    cases = [pytest.param(1, marks=pytest.mark.task("03.4"))]\n'
    )
    assert strip_markers(tests) == (
        'def test_x() -> None:\n    cases = [pytest.param(1, marks=pytest.mark.task("03.4"))]\n'
    )


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("# BEGIN TASK 01.1\nx = 1\n", "task 01.1 has no END TASK"),
        ("x = 1\n# END TASK\n", "END TASK without a BEGIN TASK"),
        ("# BEGIN TASK 01.1\n# BEGIN TASK 01.2\n# END TASK\n", "task 01.2 starts inside 01.1"),
    ],
)
def test_unpaired_markers_are_reported_with_their_line(text: str, problem: str) -> None:
    with pytest.raises(MarkerError, match=problem):
        find_regions(Path("broken.py"), text)
