"""The BM25 index: the same texts give the same files whatever Python's hash seed, and the same scores as bm25s'
own numbering of the vocabulary."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import numpy as np

from articleqa.store.lexical import LexicalIndex, _bm25s, tokenize

TEXTS = [
    "Iranian and American negotiators will meet in Muscat, Oman, on Saturday.",
    "The warehouse fire in Harlow Creek forced the evacuation of 14 nearby homes.",
    "Vantor Foods said the price of wheat and cooking oil rose sharply.",
    "The council awarded the library contract to Hollis & Brandt Construction Group.",
]
_BUILD = "import sys; from articleqa.store.lexical import LexicalIndex as L; L.build(sys.argv[2:]).save(__import__('pathlib').Path(sys.argv[1]))"


def _digests(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def test_two_builds_of_the_same_texts_write_the_same_files_whatever_the_hash_seed(tmp_path: Path) -> None:
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        done = subprocess.run([sys.executable, "-c", _BUILD, str(tmp_path / seed), *TEXTS], env=env,
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
    assert _digests(tmp_path / "1") == _digests(tmp_path / "2")


def test_scores_equal_those_of_bm25s_numbering_its_own_vocabulary(tmp_path: Path) -> None:
    ours = LexicalIndex.build(TEXTS)
    theirs = _bm25s().BM25()
    theirs.index(tokenize(TEXTS), show_progress=False)
    ours.save(tmp_path)
    loaded = LexicalIndex.load(tmp_path, mmap=False)
    for query in ("Where are the talks held?", "wheat and cooking oil", "library contract", "nothing matches zebra"):
        known = [t for t in tokenize([query])[0] if t in theirs.vocab_dict]
        expected = theirs.get_scores(known) if known else np.zeros(len(TEXTS))
        assert np.allclose(ours.scores(query), expected), query
        assert np.allclose(loaded.scores(query), expected), query
