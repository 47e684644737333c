"""Answer shapes: the question's grammar picks one (``recognise``), and each shape is a component with the
reader's form — its constructor is its contract, one ``run()`` takes typed inputs and returns an Answer.

* :class:`Factoid` — the reader's short span (as before shapes existed).
* :class:`ListShape` — every party or thing the top sentences name, deduplicated, in text order.
* :class:`Explanation` — the clause giving the reason or manner, trimmed to it.
* :class:`Overview` — headline + 3-5 central sentences per article, in article order.

Every piece shown is verbatim article text at recorded offsets, cited by the sentence that holds it.
"""

from __future__ import annotations

from .explanation import Explanation
from .factoid import Factoid
from .listing import ListShape
from .overview import Overview
from .recognise import ShapeKind, ShapeRequest, recognise
from .sentences import ArticleSentences, unit

__all__ = ["ArticleSentences", "Explanation", "Factoid", "ListShape", "Overview", "ShapeKind", "ShapeRequest",
           "recognise", "unit"]
