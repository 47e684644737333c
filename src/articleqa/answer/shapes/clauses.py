"""Clauses of a sentence, from spaCy's parse: the part that gives a reason or a manner, the noun phrase an
answer span belongs to. Offsets are characters of the sentence text (callers add the sentence's start)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ...nlp import content_terms, parse

# Subordinators that open a reason ("because …", "since …", "so that …", "in order to …").
_REASON_MARKS = frozenset({"because", "since", "as", "so", "order", "cause", "lest"})
_REASON_PREPS = frozenset({"because", "due", "owing", "thanks", "amid", "over"})  # "because of", "due to" …
_SAY_VERBS = frozenset({"arguing", "saying", "citing", "claiming", "explaining", "noting", "insisting", "warning"})
_REASON_VERBS = frozenset({"argued", "argue", "argues", "explained", "explains", "blamed", "blames", "attributed"})
_MANNER_PREPS = frozenset({"by", "with", "through", "via", "as", "using", "without"})
_CLAUSE_DEPS = frozenset({"ROOT", "ccomp", "advcl", "conj", "relcl", "xcomp", "acl", "pcomp"})
_EDGE = " \t\n,;:—–-\"'“”‘’"


@dataclass(frozen=True)
class Clause:
    start: int  # offsets into the sentence text
    end: int
    kind: str  # "reason" | "manner" | "clause"
    governs: str = ""  # the verb the reason or manner is about ("closed" in "was closed … because …")


def _span(tokens: list[Any], text: str) -> tuple[int, int]:
    start = min(t.idx for t in tokens)
    end = max(t.idx + len(t.text) for t in tokens)
    while start < end and text[start] in _EDGE:
        start += 1
    while end > start and text[end - 1] in _EDGE:
        end -= 1
    return start, end


def _subtree(tok: Any, text: str, drop: frozenset[str] = frozenset()) -> tuple[int, int]:
    kept = {t.i: t for t in tok.subtree if not any(a.dep_ in drop and a.head == tok for a in [t, *t.ancestors]
                                                    if a.i != tok.i)}
    # The unbroken run of kept tokens around the head: a dropped conjunct in the middle cuts the phrase there.
    lo = hi = tok.i
    while lo - 1 in kept:
        lo -= 1
    while hi + 1 in kept:
        hi += 1
    return _span([kept[i] for i in range(lo, hi + 1)] if tok.i in kept else [tok], text)


def constructions(sentence: str, aspect: str) -> list[Clause]:
    """Where the sentence gives a reason (aspect "reason") or a manner ("manner")."""
    doc = parse(sentence)
    out: list[Clause] = []
    for tok in doc:
        low = tok.lower_
        if aspect == "reason":
            if tok.dep_ == "mark" and low in _REASON_MARKS and tok.head.dep_ in {"advcl", "ccomp", "xcomp"}:
                finite = tok.head.tag_ in {"VBD", "VBZ", "VBP"} or any(
                    c.dep_ in {"aux", "auxpass"} and c.tag_ in {"VBD", "VBZ", "VBP", "MD"} for c in tok.head.children)
                if low == "as" and not finite:  # "as the program was believed to …", not "as a result"
                    continue
                out.append(Clause(*_subtree(tok.head, sentence), "reason", tok.head.head.text))
            elif tok.dep_ in {"prep", "advmod"} and low in _REASON_PREPS and any(
                c.dep_ in {"pcomp", "pobj", "prep"} for c in tok.children
            ):
                if low in {"amid", "over"} and tok.head.pos_ != "VERB":
                    continue
                out.append(Clause(*_subtree(tok, sentence), "reason", tok.head.text))
            elif tok.dep_ == "advcl" and tok.tag_ == "VB" and any(c.lower_ == "to" and c.dep_ == "aux" for c in tok.children):
                out.append(Clause(*_subtree(tok, sentence), "reason", tok.head.text))  # purpose: "… to be respectful of …"
            elif tok.dep_ in {"advcl", "xcomp"} and low in _SAY_VERBS:
                out.append(Clause(*_subtree(tok, sentence), "reason", tok.head.text))  # "…, arguing that …"
            elif tok.dep_ == "agent" and tok.head.pos_ == "VERB":
                out.append(Clause(*_subtree(tok.head, sentence, frozenset({"nsubjpass", "auxpass", "aux"})), "reason", tok.head.text))
            elif low == "after" and tok.dep_ == "mark":  # often only when: a weak reason, never preferred for itself
                out.append(Clause(*_subtree(tok.head, sentence), "after", tok.head.head.text))
            elif tok.dep_ == "ROOT" and low in _REASON_VERBS and any(c.dep_ == "ccomp" for c in tok.children):
                comp = next(c for c in tok.children if c.dep_ == "ccomp")
                out.append(Clause(*_subtree(comp, sentence), "reason", low))  # "They argued that …"
        else:
            if (tok.dep_ in {"prep", "agent"} and low in _MANNER_PREPS and tok.head.pos_ in {"VERB", "AUX"} and any(
                c.dep_ in {"pobj", "pcomp"} for c in tok.children
            )) or (tok.dep_ == "advmod" and tok.head.pos_ == "VERB" and tok.tag_ == "RB" and low.endswith("ly")):
                out.append(Clause(*_subtree(tok, sentence), "manner", tok.head.text))
    return out


def clause_of(sentence: str, start: int, end: int) -> tuple[int, int]:
    """The smallest clause (a verb and what hangs on it) that holds the characters [start, end)."""
    doc = parse(sentence)
    inside = [t for t in doc if t.idx < end and t.idx + len(t.text) > start]
    if not inside:
        return start, end
    head = min(inside, key=lambda t: len(list(t.ancestors)))
    node = head
    while node.dep_ not in _CLAUSE_DEPS or node.pos_ not in {"VERB", "AUX"}:
        if node.head is node:
            break
        node = node.head
    s, e = _subtree(node, sentence, frozenset({"conj", "cc"}) if node.dep_ != "ROOT" else frozenset())
    return (min(s, start), max(e, end))


def without_attribution(sentence: str) -> tuple[int, int]:
    """The sentence without "X said" / "according to Y," around what was said: its reported clause, when the
    main verb is one of saying; else the whole sentence."""
    doc = parse(sentence)
    roots = [t for t in doc if t.dep_ == "ROOT"]
    if not roots:
        return _span(list(doc), sentence) if len(doc) else (0, len(sentence))
    root = roots[0]
    if root.lower_ in {"said", "says", "say", "told", "added", "stated", "explained", "noted", "argued"}:
        comps = [c for c in root.children if c.dep_ == "ccomp"]
        if comps:
            return _subtree(comps[0], sentence)
    acc = [t for t in doc if t.lower_ == "according" and t.dep_ == "prep"]
    if acc:
        rest = [t for t in doc if t.i not in {x.i for x in acc[0].subtree}]
        return _span(rest, sentence)
    return _span(list(doc), sentence)


def restates(text: str, question: str) -> bool:
    """Whether ``text`` mostly repeats the question's own words (half of its content words are the question's)."""
    terms = set(content_terms(text))
    if not terms:
        return True
    asked = set(content_terms(question))
    return len(terms & asked) * 2 >= len(terms)


def noun_phrase(sentence: str, start: int, end: int, keep_conj: bool = True) -> tuple[int, int, Any] | None:
    """The whole noun phrase the characters [start, end) belong to, without relative clauses or appositions
    hanging off it; None when they are no noun phrase. Returns (start, end, head token)."""
    doc = parse(sentence)
    inside = [t for t in doc if t.idx < end and t.idx + len(t.text) > start and not t.is_punct]
    if not inside:
        return None
    head = min(inside, key=lambda t: len(list(t.ancestors)))
    while head.dep_ in {"compound", "flat", "nmod"} and head.head.pos_ in {"NOUN", "PROPN"}:
        head = head.head  # "Tallis" → "Tallis Building Partners"
    if head.pos_ not in {"NOUN", "PROPN", "PRON", "NUM"}:
        nouns = [t for t in inside if t.pos_ in {"NOUN", "PROPN"} and t.head not in inside]
        if not nouns:
            return None
        head = nouns[0]
    if head.ent_iob_ in {"B", "I"} and head.ent_type_ in {"ORG", "PERSON", "GPE", "FAC", "LOC", "NORP", "WORK_OF_ART"}:
        ent = next((e for e in doc.ents if e.start <= head.i < e.end), None)
        if ent is not None and ent.root.i != head.i and ent.root.pos_ in {"PROPN", "NOUN"}:
            head = ent.root  # a name the parser split ("Tallis [Building] Partners"): the whole name
    keep = {"cc", "conj"} if keep_conj and _coordinated(head) else set()
    drop = frozenset({"relcl", "acl", "appos", "punct", "cc", "conj", "prep"} - keep - ({"prep"} if _of_place(head) else set()))
    s, e = _subtree(head, sentence, drop)
    return s, e, head


def _of_place(head: Any) -> bool:
    """Keep "in the region" in "nine countries in the region"; drop "[the talks] about …" after a name."""
    return head.pos_ != "PROPN"


def _coordinated(head: Any) -> bool:
    """ "Arab and Muslim leaders", "Maureen Pryce and Owen Tasker": a coordination is one party."""
    return any(c.dep_ == "conj" for c in head.children)
