"""Where the project's files are, for tests in any folder under tests/: computed once here from this file's place,
so a test file can move between folders (tests/ mirrors src/articleqa/) without its paths changing meaning."""

from __future__ import annotations

from pathlib import Path

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent
FIXTURES = TESTS / "fixtures"
ARTIFACTS = TESTS / "artifacts"  # screenshots from the browser tests (git-ignored)
ARTICLE = ROOT / "articles" / "us-iran-talks-oman.txt"
