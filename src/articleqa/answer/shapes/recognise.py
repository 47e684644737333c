"""Which shape of answer a question asks for, read from its grammar (spaCy's tags and dependencies).

* overview — the question asks what an article (or the articles on a topic) says as a whole: a verb of
  summing up ("Summarize …", "Sum up …", "Recap …"), a summary noun as its object or subject ("the gist of …",
  "the main points of …", "key facts"), a stranded "about" on "be" ("What is this article about?"), "tell me
  about …", or an event with no participant asked for ("What happened?", "What happened in Harlow Creek?").
* explanation — the question asks for a reason ("why", "how come", "for what reason", "what caused / led to …",
  "the reason for …") or a manner ("how" modifying a verb, not "how many/much/long/old/far …").
* list — the answer is several parties or things: a wh-phrase whose head noun is plural ("Which countries …",
  "What issues …"), a plural noun asked for with "be" ("Who were the bidders?"), or "who" as the subject of an
  action verb ("Who urged them?"), whose answer is every party the text names (one party stays a factoid).
* factoid — everything else: a short span, as the reader gives it.

Nothing here lists our example questions: the word classes are closed English classes (wh-words, summary nouns
and verbs, reason nouns), and plurality comes from the tagger (NNS/NNPS).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Literal

from ...nlp import parse_syntax

ShapeKind = Literal["factoid", "list", "explanation", "overview"]

# Verbs of summing up, as imperatives or with "can you …" ("sum" needs its particle "up").
_SUMMARY_VERBS = frozenset({"summarize", "summarise", "summarized", "summarised", "recap", "outline", "brief",
                            "synopsize", "digest"})
# Nouns that name a summary; a request whose object or subject is one of them asks for an overview.
_SUMMARY_NOUNS = frozenset({"summary", "summaries", "overview", "overviews", "gist", "rundown", "recap", "synopsis",
                            "digest", "tldr", "tl;dr", "highlights", "takeaways", "essentials", "lowdown", "upshot"})
# Nouns that name a summary only with a "main/key …" modifier ("the main points", "key facts").
_POINT_NOUNS = frozenset({"points", "facts", "ideas", "details", "findings", "takeaways", "developments", "messages",
                          "message", "point", "idea", "themes", "events", "arguments"})
_KEY_ADJ = frozenset({"main", "key", "important", "central", "essential", "major", "salient", "principal", "basic",
                      "core", "chief", "most"})
_EVENT_VERBS = frozenset({"happened", "happen", "happens", "occurred", "occur", "occurs", "transpired"})
# Verbs whose subject is a text ("What does the article say?", "What does it cover?").
_TEXT_VERBS = frozenset({"say", "says", "said", "cover", "covers", "covered", "report", "reports", "reported",
                         "discuss", "discusses", "discussed", "describe", "describes", "described"})
_TEXT_NOUNS = frozenset({"article", "articles", "story", "stories", "piece", "pieces", "report", "news", "text",
                         "post", "column", "it", "this", "that", "they", "these", "those", "document", "documents"})
_REASON_NOUNS = frozenset({"reason", "reasons", "cause", "causes", "explanation", "motive", "motives", "purpose",
                           "rationale", "grounds", "justification"})
_CAUSE_VERBS = frozenset({"caused", "cause", "causes", "prompted", "prompt", "prompts", "triggered", "trigger",
                          "led", "lead", "leads", "drove", "drive", "drives", "sparked", "spark", "motivated"})
_HOW_DEGREE = re.compile(r"\bhow\s+(?:many|much|long|old|far|big|large|tall|high|deep|heavy|fast|often|soon|late|"
                         r"early|close|wide|small|likely|serious|severe|bad|good|well)\b", re.I)
# "How did X describe/call/see Y?" asks for words or a view, not a manner.
_WORDING_VERBS = frozenset({"describe", "described", "call", "called", "characterize", "characterise", "see", "view",
                            "feel", "say", "put", "refer", "label", "term", "spell", "pronounce", "rate", "rank"})
_POINTERS = frozenset({"it", "this", "that", "these", "those", "they", "them"})
_ARTICLE_WORDS = re.compile(r"\b(?:news\s+)?(?:articles?|stories|story|pieces?|reports?|news|columns?|posts?|"
                            r"write-?ups?|documents?|texts?)\b", re.I)
_PLURAL_ARTICLES = re.compile(r"\b(?:articles|stories|pieces|reports|documents|texts|all\s+(?:the\s+)?news)\b", re.I)
_TOPIC_LEAD = re.compile(r"^(?:(?:the|a|an|this|that|these|those|all|each|every|of|about|on|in|at|with|from|"
                         r"regarding|concerning|covering|main|key|whole|entire|latest)\s+)+", re.I)


@dataclass(frozen=True)
class ShapeRequest:
    """What a question asks for, before anything is retrieved."""

    kind: ShapeKind
    # overview: the words that name the article(s) ("the Iran talks", "Vantor Foods"); "" when none are named.
    topic: str = ""
    # overview: "it" / "this article" without a name — the article the chat was about.
    refers_back: bool = False
    # overview: "the articles", "all the stories" — every article in scope (a few at most).
    every_article: bool = False
    # explanation: "reason" (why …), "cause" (what caused …) or "manner" (how …).
    aspect: str = ""
    # list: the question itself marks several ("Which countries …", "Who were the bidders?"); without that
    # ("Who urged them?") an item must be the doer of the question's own verb.
    plural: bool = False
    # list: the plural noun asked for ("countries" in "Which countries …", "bidders" in "Who were the bidders?").
    focus: str = ""
    # list: "Who/what are the X?" — the answer is whatever the text says the X are.
    copular: bool = False


def recognise(question: str) -> ShapeRequest:
    """The shape of answer ``question`` asks for; ``factoid`` when nothing marks another shape."""
    q = " ".join(question.replace("’", "'").split()).strip()
    if not q:
        return ShapeRequest("factoid")
    doc = parse_syntax(q)
    return _overview(doc, q) or _explanation(doc, q) or _listing(doc) or ShapeRequest("factoid")


# ---------------------------------------------------------------------------------------------- overview


def _overview(doc: Any, q: str) -> ShapeRequest | None:
    roots = [t for t in doc if t.dep_ == "ROOT"]
    if not roots:
        return None
    root = roots[0]
    low = root.lower_
    wh = {t.lower_ for t in doc if t.tag_ in {"WP", "WDT", "WRB", "WP$"}}
    # "Summarize the article about …", "Can you sum up …", "Please recap …"
    # (any part of speech: the tagger often reads a sentence-initial imperative, "Recap the …", as a noun)
    if low in _SUMMARY_VERBS or (low == "sum" and any(c.dep_ == "prt" for c in root.children)):
        if not wh or (wh <= {"what"} and any(c.lower_ == "what" and c.dep_ in {"dobj", "nsubj"} for c in root.children)):
            return _overview_of(doc, [c for c in root.children if c.dep_ in {"dobj", "prep", "ccomp", "pobj"}])
    # "Give me the gist of …", "What are the main points of …", "What were the key facts?"
    for tok in doc:
        if tok.pos_ not in {"NOUN", "PROPN"} or tok.dep_ not in {"dobj", "nsubj", "attr", "ROOT", "nsubjpass", "pobj"}:
            continue
        named = tok.lower_ in _SUMMARY_NOUNS or (
            tok.lower_ in _POINT_NOUNS and any(c.dep_ in {"amod", "advmod"} and c.lower_ in _KEY_ADJ
                                               for c in tok.children))
        if named and (tok.dep_ != "pobj" or tok.head.head.lower_ in {"give", "want", "need", "have"}):
            return _overview_of(doc, [c for c in tok.children if c.dep_ in {"prep", "acl", "relcl"}])
    # "What is this article about?", "What are the articles about?" (not "What is Rubio skeptical about?")
    if "what" in wh and root.lower_ in {"is", "are", "was", "were", "'s", "be"}:
        stranded = [t for t in doc if t.lower_ == "about" and t.dep_ == "prep" and not list(t.children)]
        if stranded and stranded[0].head.pos_ in {"NOUN", "PROPN", "PRON", "AUX", "VERB"} and stranded[0].head.tag_ != "JJ":
            subjects = [c for c in root.children if c.dep_ in {"nsubj", "attr"} and c.lower_ not in {"what"}]
            # Only a text is "about" something as a whole: "What is the film about?" asks what the article
            # says of one thing in it, a factoid.
            if all(s.pos_ == "PRON" or _ARTICLE_WORDS.search(_phrase(s)) for s in subjects):
                return _overview_of(doc, subjects)
    # "Tell me about the warehouse fire", "Brief me on …"
    if root.lower_ in {"tell", "brief", "update", "fill"} and root.tag_ == "VB":
        about = [c for c in root.children if c.dep_ == "prep" and c.lower_ in {"about", "on", "in"}]
        if about:
            return _overview_of(doc, about)
    # "What happened?", "What happened in Harlow Creek?", "What is going on with the library?"
    event = root.lower_ in _EVENT_VERBS or (root.lower_ in {"going", "goes", "went"} and
                                            any(c.dep_ == "prt" and c.lower_ == "on" for c in root.children))
    if event and any(c.lower_ == "what" and c.dep_ == "nsubj" for c in root.children):
        preps = [c for c in root.children if c.dep_ == "prep"]
        others = [c for c in root.children if c.dep_ not in {"prep", "punct", "nsubj", "aux", "prt"}]
        if others or any(p.lower_ in {"to", "after", "before", "next", "then", "for"} for p in preps) or any(
            c.dep_ in {"dobj", "advmod"} and c.lower_ in {"next", "then", "later", "first"} for c in root.children
        ):
            return None  # "What happened to the pies?", "What happened next?": one event, a factoid
        if any(_names_a_time(p) for p in preps):
            return None  # "What happened in 2019?": the event of that time, a factoid
        return _overview_of(doc, preps)
    # "What does the article say?", "What does it cover?" (a text as subject, "what" as object, nothing else asked)
    if root.lower_ in _TEXT_VERBS and any(c.lower_ == "what" and c.dep_ == "dobj" for c in root.children):
        subj = [c for c in root.children if c.dep_ == "nsubj"]
        if subj and (subj[0].lower_ in _TEXT_NOUNS or _ARTICLE_WORDS.search(_phrase(subj[0]))):
            return _overview_of(doc, [*subj, *(c for c in root.children if c.dep_ == "prep")])
    return None


_TIME_WORDS = frozenset({
    "january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november",
    "december", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "yesterday", "today",
    "tonight", "week", "weekend", "month", "year", "decade", "century", "morning", "afternoon", "evening", "night",
    "summer", "winter", "spring", "autumn", "weeks", "months", "years", "decades",
})


def _names_a_time(prep: Any) -> bool:
    """A prepositional phrase that names a date or a time ("in 2019", "in October 2008", "on Monday", "last
    week"): the parse used here has no entity tags, so numbers and time words mark it."""
    return any(t.like_num or t.lower_ in _TIME_WORDS for t in prep.subtree)


def _phrase(tok: Any) -> str:
    return " ".join(t.text for t in tok.subtree)


def _overview_of(doc: Any, parts: list[Any]) -> ShapeRequest:
    """Which article(s) the overview is of: the words naming them, "it", or "the articles"."""
    text = " ".join(_phrase(p) for p in parts).strip()
    every = bool(_PLURAL_ARTICLES.search(text))
    words = _ARTICLE_WORDS.sub(" ", text)
    words = re.sub(r"\b(?:about|on|of|regarding|concerning|covering|that|which|is|was|says?|said|me|us|you|"
                   r"please|briefly|quickly)\b", " ", words, flags=re.I)
    words = _TOPIC_LEAD.sub("", " ".join(words.split())).strip(" ,.?!")
    rest = [w for w in words.split() if w.lower() not in _POINTERS and w.lower() not in {"the", "a", "an", "all"}]
    topic = " ".join(rest)
    refers_back = not topic and not every
    return ShapeRequest("overview", topic=topic, refers_back=refers_back, every_article=every and not topic)


# ---------------------------------------------------------------------------------------------- explanation


def _explanation(doc: Any, q: str) -> ShapeRequest | None:
    low = q.lower()
    if any(t.lower_ == "why" for t in doc) or re.search(r"\bhow\s+come\b", low):
        return ShapeRequest("explanation", aspect="reason")
    # "For what reason …", "What is the reason for …", "What caused / led to …"
    for tok in doc:
        if tok.lower_ in _REASON_NOUNS and tok.pos_ == "NOUN" and any(t.lower_ in {"what", "which"} for t in doc):
            return ShapeRequest("explanation", aspect="reason")
        if tok.lower_ in _CAUSE_VERBS and tok.pos_ == "VERB" and any(
            c.lower_ in {"what", "which"} or (c.dep_ == "nsubj" and any(g.lower_ in {"what", "which"} for g in c.subtree))
            for c in tok.children
        ) and (tok.lower_ not in {"led", "lead", "leads"} or any(c.lower_ == "to" for c in tok.children)):
            return ShapeRequest("explanation", aspect="cause")  # "What caused the fire?": the cause, a phrase
    # "How did the fire start?" (how modifying a verb), not "how many …" or "how old …"
    if not _HOW_DEGREE.search(low):
        for tok in doc:
            # Not "How did the official describe it?" (asks for the words) or "How did Iran want the talks to be
            # conducted?" (the manner sits in a nested clause, a short phrase): those stay factoids.
            if tok.lower_ == "how" and tok.dep_ == "advmod" and tok.head.pos_ in {"VERB", "AUX"} and \
                    tok.head.lower_ not in _WORDING_VERBS and not any(
                        c.dep_ in {"ccomp", "xcomp"} for c in tok.head.children):
                return ShapeRequest("explanation", aspect="manner")
    return None


# ---------------------------------------------------------------------------------------------- list


# Words that may stand between "which/what" and the noun it asks for ("Which Iranian leaders …").
_MODIFIER_TAGS = frozenset({"JJ", "JJR", "JJS", "NN", "NNP", "VBN", "CD", "HYPH"})


def _asked_noun(doc: Any) -> Any | None:
    """The plural noun a question-initial "which/what" asks for when the parser did not attach the two ("Which
    Iranian leaders does the article name?" parses "Which" as a stray object): the first plural noun after
    modifiers only."""
    if len(doc) < 2 or doc[0].lower_ not in {"which", "what"}:
        return None
    for tok in doc[1:]:
        if tok.tag_ in {"NNS", "NNPS"}:
            return tok
        if tok.tag_ not in _MODIFIER_TAGS:
            return None
    return None


def _listing(doc: Any) -> ShapeRequest | None:
    asked = _asked_noun(doc)
    if asked is not None and doc[0].dep_ != "det":
        return ShapeRequest("list", plural=True, focus=asked.lower_)
    for tok in doc:
        low = tok.lower_
        if low in {"which", "what"} and tok.dep_ == "det" and tok.head.tag_ in {"NNS", "NNPS"}:
            return ShapeRequest("list", plural=True, focus=tok.head.lower_)  # "Which countries …", "What issues …"
        if low in {"who", "what", "which"} and tok.dep_ in {"attr", "nsubj"} and tok.head.lower_ in {"are", "were", "'re"}:
            nouns = [c for c in tok.head.children if c.dep_ in {"nsubj", "attr"} and c.tag_ in {"NNS", "NNPS"}
                     and c is not tok]
            if nouns:  # "Who were the other bidders?"
                return ShapeRequest("list", plural=True, focus=nouns[0].lower_, copular=True)
        if low == "who" and tok.dep_ == "nsubj" and tok.head.pos_ == "VERB" and tok.head.tag_ in {"VBD", "VBP", "VBZ"}:
            # "Who urged them?": every party the text names; one party stays a factoid answer.
            if not any(c.dep_ in {"aux", "auxpass"} and c.lower_ in {"is", "was"} for c in tok.head.children):
                return ShapeRequest("list")
    return None


__all__ = ["ShapeKind", "ShapeRequest", "recognise"]
