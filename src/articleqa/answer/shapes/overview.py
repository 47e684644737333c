"""Overview: a short extractive summary of one article, or one short block per article.

Each block is the article's headline and its most central sentences in article order: the lead (news puts the
story in its first sentence) and then the sentences that score best on closeness to the article as a whole (the
centroid of its sentence vectors) plus a lead prior (news is written top-down: the earlier a sentence, the more
of the story it carries), each new one penalised by its similarity to those already taken, so no two say the
same thing. A sentence that opens by pointing back ("They argued …", "Those two ingredients …") reads wrongly
out of its place and is taken only when better ones are used up; so is a direct quotation. Every sentence is
quoted at its offsets and cited; nothing is paraphrased.
"""

from __future__ import annotations

import re
import time
from collections.abc import Sequence

import numpy as np

from ...records import Answer, AnswerPart, Citation, Document, field_lines
from .sentences import ArticleSentences

# Near-duplicates: a sentence this similar to one already taken adds nothing.
DUPLICATE = 0.85
# How much a candidate's similarity to the sentences already taken counts against it (maximal marginal relevance).
REDUNDANCY = 0.3
# The lead prior: LEAD_PRIOR / (1 + position / LEAD_DECAY) for the position among the article's prose sentences.
LEAD_PRIOR = 0.6
LEAD_DECAY = 3.0
QUOTATION = 0.2
POINTS_BACK = 0.2
# Words that, opening a sentence, refer to something said before it.
_BACK_REFERENCES = frozenset({"they", "those", "these", "that", "this", "he", "she", "it", "his", "her", "its",
                              "their", "them", "we", "another", "such", "both"})
_FIRST_WORD = re.compile(r"[A-Za-z]+")


class Overview:
    """The overview shape. Constructor = contract (how many sentences per article, how many articles)."""

    def __init__(self, min_sentences: int = 3, max_sentences: int = 5, max_articles: int = 3) -> None:
        if not 1 <= min_sentences <= max_sentences:
            raise ValueError("need 1 <= min_sentences <= max_sentences")
        self.min_sentences = min_sentences
        self.max_sentences = max_sentences
        self.max_articles = max_articles

    def sentences_for(self, n_prose: int) -> int:
        """3 sentences for an article of 3, 4 from 4 prose sentences and one more per 8 beyond, at most
        ``max_sentences``: a 12-sentence story has five points worth a line."""
        return max(self.min_sentences, min(self.max_sentences, self.min_sentences + max(0, n_prose - 4) // 8 + 1))

    def select(self, article: ArticleSentences) -> list[int]:
        """Indices of the chosen sentences, in article order."""
        prose = article.prose()
        if not prose:
            return []
        want = min(self.sentences_for(len(prose)), len(prose))
        sim = article.similarity()[np.ix_(prose, prose)]
        worth = _worth(article, prose, sim)
        chosen = [0]  # the lead
        while len(chosen) < want:
            best, best_score = -1, -np.inf
            for i in range(len(prose)):
                if i in chosen:
                    continue
                overlap = max(sim[i, j] for j in chosen)
                if overlap >= DUPLICATE:
                    continue
                score = worth[i] - REDUNDANCY * overlap
                if score > best_score:
                    best, best_score = i, score
            if best < 0:
                break
            chosen.append(best)
        return sorted(prose[i] for i in chosen)

    def run(self, question: str, articles: Sequence[ArticleSentences]) -> Answer:
        """One block per article (at most ``max_articles``): headline, then the chosen sentences, each cited."""
        t0 = time.perf_counter()
        citations: list[Citation] = []
        parts: list[AnswerPart] = []
        lines: list[str] = []
        for article in articles[: self.max_articles]:
            doc = article.document
            heading = _headline(doc, len(citations) + 1)
            if heading is not None:
                citations.append(heading)
            parts.append(AnswerPart(doc.title, [heading.n] if heading else [], doc.doc_id,
                                    heading.start if heading else 0, heading.end if heading else 0, heading=True))
            lines.append(doc.title)
            for i in self.select(article):
                s, e = article.spans[i]
                c = Citation(n=len(citations) + 1, doc_id=doc.doc_id, title=doc.title, source=doc.source,
                             quote=doc.text[s:e], start=s, end=e, score=1.0, answer_start=s, answer_end=e,
                             author=doc.author, published=doc.published)
                citations.append(c)
                parts.append(AnswerPart(c.quote, [c.n], doc.doc_id, s, e))
                lines.append(f"- {' '.join(c.quote.split())} [{c.n}]")
            lines.append("")
        if not any(not p.heading for p in parts):
            return Answer(question, "The articles don't say.", False, 0.0, kind="overview")
        answer = Answer(question, "\n".join(lines).strip(), True, 0.95, citations, kind="overview", parts=parts,
                        question_type="overview", signals={"articles": float(min(len(articles), self.max_articles))})
        answer.timings_ms = {"overview": (time.perf_counter() - t0) * 1000}
        return answer


def _worth(article: ArticleSentences, prose: list[int], sim: np.ndarray) -> np.ndarray:
    """How much each prose sentence is worth in a summary before redundancy: centrality + lead prior, less the
    penalties for a direct quotation and for a sentence that opens by pointing back."""
    centrality = sim.mean(axis=1)  # closeness to the article as a whole (the centroid, for unit vectors)
    lead = LEAD_PRIOR / (1.0 + np.arange(len(prose), dtype=np.float32) / LEAD_DECAY)
    texts = [article.text(p).lstrip() for p in prose]
    # A direct quotation gives colour, not the facts.
    quoted = np.array([t[:1] in "\"“‘'" for t in texts], dtype=np.float32)
    back = np.array([bool((m := _FIRST_WORD.search(t)) and m.group(0).lower() in _BACK_REFERENCES) for t in texts],
                    dtype=np.float32)
    return centrality + lead - QUOTATION * quoted - POINTS_BACK * back


def _headline(doc: Document, n: int) -> Citation | None:
    """The headline line of the text, quoted, when ingest recorded where it is."""
    line = field_lines(doc).get("title")
    if line is None:
        return None
    s, e = line
    return Citation(n=n, doc_id=doc.doc_id, title=doc.title, source=doc.source, quote=doc.text[s:e], start=s, end=e,
                    score=1.0, author=doc.author, published=doc.published)


__all__ = ["Overview"]
