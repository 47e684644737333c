"""The layers import one way: the building blocks (answer/, store/, ingest/, retrieval) never import the ask path,
the facade or the entry points above them, so each can be read and tested on its own."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "articleqa"
LOWER = ["answer", "store", "ingest", "retrieval.py"]
UPPER = {"ask", "assistant", "library", "live", "models", "cli", "server", "ui", "evaluate", "bench", "training"}


def _imported_modules(path: Path, root: Path = PACKAGE.parent) -> set[str]:
    """Absolute names (under articleqa) of what ``path`` imports, relative imports resolved."""
    package = path.relative_to(root).with_suffix("").parts[:-1]
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            base = list(package[: len(package) - node.level + 1]) if node.level else []
            module = ".".join([*base, *(node.module.split(".") if node.module else [])])
            names.add(module)
            names.update(f"{module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return {n for n in names if n.startswith("articleqa.")}


def _lower_modules() -> list[Path]:
    files: list[Path] = []
    for part in LOWER:
        target = PACKAGE / part
        files.extend(sorted(target.rglob("*.py")) if target.is_dir() else [target])
    return files


@pytest.mark.parametrize("path", _lower_modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_building_blocks_never_import_the_layers_above_them(path: Path) -> None:
    upward = sorted(n for n in _imported_modules(path) if n.split(".")[1] in UPPER)
    assert not upward, f"{path.relative_to(PACKAGE)} imports {upward}"


def test_the_layering_check_sees_an_upward_import(tmp_path: Path) -> None:
    """The check itself: relative imports up into the facade and the ask path are caught, siblings are not."""
    probe = tmp_path / "articleqa" / "answer" / "shapes" / "probe.py"
    probe.parent.mkdir(parents=True)
    probe.write_text("from ...assistant import Assistant\nfrom ...ask import pipeline\nfrom .listing import ListShape\n",
                     encoding="utf-8")
    found = _imported_modules(probe, tmp_path)
    assert {"articleqa.assistant", "articleqa.ask.pipeline", "articleqa.answer.shapes.listing"} <= found
