"""Questions about an article itself (who wrote it, when it was published, which outlet ran it, its headline),
answered from the document record, quoting the headline, byline or dateline line where the text has it.

A question is about the article when it asks for one of those fields *and* points at an article: an article
word ("the piece about the bridge closure"), "this"/"it" with a publishing verb ("When was it published?"), or
a field word that only articles have ("byline", "headline", "dateline"). "Who wrote the letter?" is not.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from urllib.parse import urlparse

from ..nlp import content_terms
from ..question import case_neutral
from ..records import Answer, Citation, Document, DocumentMeta, field_lines

FIELDS = ("author", "published", "outlet", "title")
# How each field is named when the answer says it is unknown or shows where it came from.
FIELD_LABELS = {"author": "author", "published": "publication date", "outlet": "outlet", "title": "headline"}

_ARTICLE = (r"(?:news\s+)?(?:article|piece|story|stories|column|op-?ed|editorial|blog\s+post|post|write-?up|"
            r"news\s+item|dispatch)")
_POINTER = r"\b(?:it|this|that)\b"
_PUBLISH_VERBS = r"(?:published|publish|posted|released|printed|ran|run|carried|came\s+out|come\s+out|appeared?|dated)"
_WRITE_VERBS = r"(?:wrote|write|writes|written|authored|penned|filed|bylined)"
_OUTLET_NOUNS = (r"(?:outlet|publication|newspaper|paper|publisher|magazine|website|site|news\s+(?:site|outlet|"
                 r"organi[sz]ation|agency|service)|media\s+outlet|network|broadcaster|wire\s+service)")
_PERSON_NOUNS = r"(?:author|authors|writer|writers|reporter|reporters|journalist|journalists|correspondent)"

_ARTICLE_WORD = re.compile(rf"\b{_ARTICLE}\b")  # lower case: "the book The Story of Tibet" names a book
_POINTS = re.compile(_POINTER, re.I)
_STRONG = {
    "author": re.compile(r"\bby-?lines?\b", re.I),
    "title": re.compile(r"\b(?:the|its|this|that|a|\w+'s)\s+headlines?\b|\bheadlines?\s+(?:of|on|for)\b", re.I),
    "published": re.compile(r"\b(?:dateline|publication\s+date|date\s+of\s+publication|publish(?:ing)?\s+date)\b",
                            re.I),
}
# "Who is the author?" with nothing after it: there is no other author it could mean.
_BARE_AUTHOR = re.compile(rf"^(?:who|what)(?:'s|\s+is|\s+was|\s+are|\s+were)\s+the\s+{_PERSON_NOUNS}$", re.I)
_BARE_TITLE = re.compile(r"^what(?:'s|\s+is|\s+was)\s+the\s+title$", re.I)
# "Who wrote it?" is short; in "Though Liszt is credited with the biography, who wrote it?" the "it" is the
# biography: a pointer stands for the article only in a question this short.
_POINTER_MAX_WORDS = 8
_INTENTS: dict[str, list[re.Pattern[str]]] = {
    "published": [
        re.compile(rf"\b(?:when|what\s+(?:date|day|year|month|time)|which\s+(?:date|day|year|month))\b.*"
                   rf"\b(?:{_PUBLISH_VERBS}|{_WRITE_VERBS}|updated)\b", re.I),
        re.compile(r"\bhow\s+old\s+is\b", re.I),
        re.compile(rf"\bwhat\s+(?:is|was|'s)\s+the\s+date\s+(?:of|on)\s+(?:the|this|that)\s+{_ARTICLE}\b", re.I),
    ],
    "outlet": [
        re.compile(rf"\b(?:which|what)\s+(?:\w+\s+)?{_OUTLET_NOUNS}\b.*\b(?:{_PUBLISH_VERBS}|from)\b", re.I),
        re.compile(rf"\b(?:who|where)\b.*\b{_PUBLISH_VERBS}\b", re.I),
        re.compile(rf"\b{_OUTLET_NOUNS}\b.*\b(?:{_PUBLISH_VERBS}|from)\b", re.I),
    ],
    "author": [
        re.compile(rf"\bwho\b(?:\s+[\w']+){{0,3}}?\s+{_WRITE_VERBS}\b|\b{_WRITE_VERBS}\s+by\s+whom\b", re.I),
        re.compile(rf"\bby\s+whom\b.*\b{_WRITE_VERBS}\b", re.I),
        re.compile(rf"\b(?:which|what|who|name)\b.*\b{_PERSON_NOUNS}\b", re.I),
        re.compile(rf"\b{_ARTICLE}'s\s+{_PERSON_NOUNS}\b", re.I),
        re.compile(r"\bwhose\s+(?:article|piece|story|column)\b", re.I),
    ],
    "title": [
        re.compile(rf"\btitle\s+(?:of|for)\s+(?:the|this|that)\s+{_ARTICLE}\b|\b{_ARTICLE}(?:'s)?\s+title\b"),
        re.compile(rf"\b{_ARTICLE}\s+(?:called|titled|named|entitled)\b"),
        re.compile(r"\bwhat\s+(?:is|was|'s)\s+(?:it|this)\s+(?:called|titled|entitled)\b", re.I),
        re.compile(r"\btitle\s+of\s+(?:it|this)\b", re.I),
    ],
}
# Without an article word, a person noun asks for the author only with a verb of writing or covering ("Which
# reporter covered the fire?"), not "Which reporter was arrested?".
# ("Which journalist wrote that …" and "Which author wrote the biography …" are about people in the story.)
_REPORTER_COVERED = re.compile(
    rf"\b(?:which|what)\s+{_PERSON_NOUNS}\s+(?:covered|covers|reported\s+on|reports\s+on|wrote\s+about|writes\s+about|"
    rf"filed)\b", re.I)
_SUBJECT = re.compile(
    rf"\b{_ARTICLE}\s+(?:that\s+(?:was\s+)?(?:is\s+)?)?(?:about|on|concerning|regarding|covering|describing|"
    rf"reporting\s+on|that\s+covers|that\s+covered|that\s+reports?\s+on|that\s+describes?|of|from)\s+(?P<s>.+)$"
    rf"|\b(?:covered|covering|reported\s+on|wrote\s+about|writes\s+about|written\s+about)\s+(?P<s2>.+)$",
    re.I,
)
_NAMED_ARTICLE = re.compile(rf"\bthe\s+(?P<s>(?:[\w&'’.-]+\s+){{1,4}}?){_ARTICLE}\b", re.I)
_NOT_A_NAME_PART = {"of", "this", "that", "it", "the", "a", "an", "whose", "his", "her", "their", "its"}
_FIELD_WORD = re.compile(rf"{_PERSON_NOUNS}|{_OUTLET_NOUNS}|date|title|headline|byline", re.I)
_NOT_A_NAME = {"whole", "original", "news", "full", "same", "first", "last", "latest", "entire", "online", "following"}


@dataclass(frozen=True)
class AboutArticle:
    """A question about an article's own record: which field, and how it names the article."""

    field: str  # one of FIELDS
    subject: str  # words that name the article ("the bridge closure"); "" when it names none
    refers_back: bool  # "it"/"this"/"the article" without naming one: the article the chat was about


def article_question(question: str) -> AboutArticle | None:
    """The question's field when it is about the article itself; None for questions about its content."""
    q = " ".join(case_neutral(question).replace("’", "'").split()).rstrip(" ?.!")  # ALL CAPS, Title Case
    if not q:
        return None
    field = _field(q)
    if field is None:
        return None
    subject = _subject(q)
    return AboutArticle(field, subject, refers_back=not subject)


def _field(q: str) -> str | None:
    for name, strong in _STRONG.items():
        if strong.search(q):
            return name
    if _BARE_AUTHOR.match(q):
        return "author"
    if _BARE_TITLE.match(q):
        return "title"
    names_article = bool(_ARTICLE_WORD.search(q))
    if not names_article and not (_POINTS.search(q) and len(q.split()) <= _POINTER_MAX_WORDS):
        return "author" if _REPORTER_COVERED.search(q) else None
    for name in ("published", "outlet", "author", "title"):
        if any(p.search(q) for p in _INTENTS[name]) and (names_article or _pointer_fits(q, name)):
            return name
    return None


def _pointer_fits(q: str, name: str) -> bool:
    """Without an article word, "it"/"this" must be what was written or published: "Who wrote it?", "When was
    this published?", "Which outlet ran it?" — not "When was it signed?"."""
    if name == "title":
        return bool(re.search(r"\b(?:it|this)\s+(?:called|titled|entitled)\b|\btitle\s+of\s+(?:it|this)\b", q, re.I))
    verbs = _WRITE_VERBS if name == "author" else _PUBLISH_VERBS if name == "published" else _PUBLISH_VERBS + "|from"
    pointer = r"(?:it|this|that)"
    alone = r"(?=\s*$|\s+(?:in|on|at|when|by|first|originally|and|or)\b)"  # "ran it", not "ran this poll"
    near = re.search(rf"\b(?:{verbs})\s+{pointer}{alone}|\b{pointer}\s+(?:was\s+|is\s+)?(?:first\s+)?"
                     rf"(?:{verbs}|updated)\b", q, re.I)
    return near is not None


def _subject(q: str) -> str:
    m = _SUBJECT.search(q)
    if m:
        return (m.group("s") or m.group("s2") or "").strip(" ,")
    named = _NAMED_ARTICLE.search(q)
    if named:  # "the Vantor Foods article"; not "the author of this piece"
        words = named.group("s").split()
        if not any(w.lower() in _NOT_A_NAME_PART or _FIELD_WORD.fullmatch(w) for w in words):
            return " ".join(w for w in words if w.lower() not in _NOT_A_NAME)
    return ""


# ------------------------------------------------------------------------------------------------ values

# Where records name the outlet (news APIs put {"source": {"name": …}}); the page's own site name after them.
_OUTLET_KEYS = ("outlet", "publisher", "publication", "newspaper", "source_name", "source", "site_name", "sitename")


def field_value(meta: DocumentMeta | Document, field: str) -> str | None:
    """The document's recorded value for ``field``; None when its record does not say."""
    extra = meta.metadata if isinstance(meta.metadata, dict) else {}
    if field == "author":
        return meta.author or None
    if field == "published":
        return meta.published or None
    if field == "title":
        return None if extra.get("title_derived") else (meta.title or None)
    for key in _OUTLET_KEYS:
        value = extra.get(key)
        if isinstance(value, dict):
            value = value.get("name")
        if isinstance(value, str) and value.strip():
            return value.strip()
    url = extra.get("url")
    if isinstance(url, str) and url.startswith(("http://", "https://")):
        host = urlparse(url).hostname or ""
        return host.removeprefix("www.") or None
    return None


def spoken_value(field: str, value: str) -> str:
    """How the answer says a value: dates as "January 5, 2026" (or "January 2026", "2026")."""
    if field != "published":
        return value
    parts = value.split("-")
    try:
        if len(parts) == 3:
            d = date(int(parts[0]), int(parts[1]), int(parts[2]))
            return f"{d:%B} {d.day}, {d.year}"
        if len(parts) == 2:
            return f"{date(int(parts[0]), int(parts[1]), 1):%B %Y}"
    except ValueError:
        return value
    return value


def metadata_note(c: Citation) -> str:
    """How a metadata citation reads: a value from the article's record, explicitly not a quote of its text."""
    label = FIELD_LABELS.get(c.field or "", c.field or "field")
    return f"From the article's metadata (not its text) — {label}: {c.value}"


def field_citation(doc: Document, field: str, value: str, n: int) -> Citation:
    """The line of the text that states the value, quoted at its offsets; or, when the text has no such line,
    a metadata citation naming the field (never a quote the text does not contain)."""
    line = field_lines(doc).get(field)
    if line is not None:
        start, end = line
        quote = doc.text[start:end]
        at = quote.casefold().find(value.casefold())
        a_start, a_end = (start + at, start + at + len(value)) if at >= 0 else (start, end)
        return Citation(n=n, doc_id=doc.doc_id, title=doc.title, source=doc.source, quote=quote, start=start,
                        end=end, score=1.0, answer_start=a_start, answer_end=a_end, author=doc.author,
                        published=doc.published)
    return Citation(n=n, doc_id=doc.doc_id, title=doc.title, source=doc.source, quote="", start=0, end=0,
                    score=1.0, author=doc.author, published=doc.published, kind="metadata", field=field, value=value)


# ------------------------------------------------------------------------------------------------ answers

# Several articles and a question that names none: each one's value is listed, up to this many.
MAX_LISTED = 5


def names_document(subject: str, doc: Document) -> bool:
    """Whether the article is about what the question calls it: two thirds of the subject's content words (all
    of one or two) occur in its title or text. Retrieval always ranks *some* article first; this keeps "the piece about the moon
    landing" from being answered with an unrelated article's author."""
    wanted = set(content_terms(subject))
    if not wanted:
        return False
    present = set(content_terms(f"{doc.title}\n{doc.text}"))
    return len(wanted & present) * 3 >= len(wanted) * 2


def answer_about(question: str, about: AboutArticle, docs: Sequence[Document], not_found: str) -> Answer:
    """The field's value for one article (quoted where the text states it), or for each of a few articles."""
    qtype = f"about_{about.field}"
    values = [(doc, field_value(doc, about.field)) for doc in docs]
    known = [(doc, value) for doc, value in values if value]
    if not known:
        return Answer(question, not_found, False, 0.0, question_type=qtype, signals={"about_article": 1.0})
    citations = [field_citation(doc, about.field, value, n) for n, (doc, value) in enumerate(known, start=1)]
    if len(docs) == 1:
        text = spoken_value(about.field, known[0][1])
    else:
        shown = [f"{spoken_value(about.field, value) if value else 'not stated'} (“{doc.title}”)"
                 for doc, value in values]
        text = "; ".join(shown)
    return Answer(question, text, True, 0.95, citations=citations, question_type=qtype,
                  signals={"about_article": 1.0, "articles": float(len(docs))})


def unnamed_article(question: str, about: AboutArticle, n_docs: int) -> Answer:
    """More articles than can be listed, and the question names none: say how to name one, never guess."""
    label = FIELD_LABELS[about.field]
    text = (f"{n_docs} articles are indexed; say which one you mean, e.g. “What is the {label} of the article "
            "about …?”")
    return Answer(question, text, False, 0.0, question_type=f"about_{about.field}", signals={"about_article": 1.0})
