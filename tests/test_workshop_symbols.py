"""A Python file cut into the symbols that the lineage check compares one by one."""

from workshop.symbols import MODULE, split_symbols

SOURCE = '''"""A module."""

import functools

LIMIT = 3


@functools.cache
def cached(n: int) -> int:
    """Decorated."""
    return n


class Shelf:
    """A class."""

    size = LIMIT

    @property
    def name(self) -> str:
        return "a"

    @name.setter
    def name(self, value: str) -> None:
        pass
'''


def test_each_definition_is_a_symbol_and_the_rest_is_the_module() -> None:
    symbols = split_symbols(SOURCE)
    assert sorted(symbols) == [MODULE, "Shelf", "Shelf.name", "cached"]
    assert symbols[MODULE] == '"""A module."""\nimport functools\nLIMIT = 3'
    assert symbols["cached"].startswith("@functools.cache\ndef cached")
    assert symbols["Shelf"] == 'class Shelf:\n    """A class."""\n    size = LIMIT'
    # A property's getter and setter share their name, so they are one symbol.
    assert "def name(self) -> str" in symbols["Shelf.name"]
    assert "@name.setter" in symbols["Shelf.name"]


def test_a_new_function_and_its_blank_lines_leave_the_others_unchanged() -> None:
    added = SOURCE.replace(
        "\n\nclass Shelf", '\n\ndef extra() -> None:\n    """New."""\n\n\nclass Shelf'
    )
    before, after = split_symbols(SOURCE), split_symbols(added)
    assert sorted(set(after) - set(before)) == ["extra"]
    assert all(before[name] == after[name] for name in before)


def test_task_markers_are_not_part_of_a_symbol() -> None:
    marked = SOURCE.replace(
        "    return n\n", "    # BEGIN TASK 01.1\n    return n\n    # END TASK\n"
    )
    assert split_symbols(marked) == split_symbols(SOURCE)
