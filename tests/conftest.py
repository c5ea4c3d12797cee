"""Fixtures for the repository's own tests."""

import shutil
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def mini(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private copy of the two-step miniature workshop, which the workshop tool then uses."""
    root = tmp_path / "mini"
    shutil.copytree(FIXTURES / "mini", root)
    monkeypatch.setenv("WORKSHOP_ROOT", str(root))
    return root
