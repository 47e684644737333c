"""Question + passages → Answer: the sentences that answer, the exact phrase in them, and when to decline.

Extractive by design (no reader model with weights is on the registry): sentences inside the top
passages are re-scored (embedding similarity, weighted term overlap, passage rank, presence of a phrase
of the expected type), then typed phrases (entities, noun phrases) in the best sentences are scored by
type, closeness to the question's words, and agreement across sentences.
"""

from __future__ import annotations

import itertools
import math
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from .chunking import split_sentences
from .nlp import STOPWORDS, WH_WORDS, content_terms, parse_many, stem
from .question import QuestionInfo
from .records import Answer, Citation, Passage

NOT_FOUND = "The articles don't say."


@dataclass
class Sentence:
    doc_id: str
    start: int
    end: int
    text: str
    passage_rank: int
    title: str = ""
    source: str = ""
    score: float = 0.0
    features: dict[str, float] = field(default_factory=dict)
    terms: frozenset[str] = frozenset()
    passage_sim: float = 0.0  # the passage's dense similarity to the question
    # Words of the passage and title around the sentence: names it leaves implicit ("the repairs") are there.
    context: frozenset[str] = frozenset()
    sim: float | None = None  # similarity of the stored sentence vector to the question, when the index has it


@dataclass
class Span:
    sentence: Sentence
    start: int  # absolute offsets into Document.text
    end: int
    text: str
    score: float
    typed: bool


def candidate_sentences(passages: Sequence[Passage], max_passages: int) -> list[Sentence]:
    seen: set[tuple[str, int]] = set()
    out: list[Sentence] = []
    for p in passages[:max_passages]:
        c = p.chunk
        context = frozenset(_name_keys(f"{p.title} {c.text}"))
        # Stored sentences come with their similarity; an index without them is split here instead.
        spans = (
            [(s.start - c.start, s.end - c.start, s.similarity) for s in p.sentences]
            if p.sentences
            else [(s, e, None) for s, e in split_sentences(c.text)]
        )
        for s, e, sim in spans:
            key = (c.doc_id, c.start + s)
            if key in seen:
                continue
            seen.add(key)
            out.append(
                Sentence(c.doc_id, c.start + s, c.start + e, c.text[s:e], p.rank, p.title, p.source,
                         passage_sim=float(p.scores.get("dense", 0.0)), context=context, sim=sim)
            )
    return out


def _idf(sentences: Sequence[Sentence], terms: Sequence[str]) -> dict[str, float]:
    """Term weights from the candidate sentences themselves: rare there means informative here."""
    for s in sentences:
        s.terms = frozenset(content_terms(s.text))
    n = len(sentences)
    return {t: math.log(1 + (n + 1) / (1 + sum(t in s.terms for s in sentences))) for t in set(terms)}


# Sentence-scoring weights, fitted by eval/fit_sentences.py (logistic regression "this sentence holds the
# answer" on half of NewsQA dev's stories, checked on the other half). Refitted listwise with stored sentence
# vectors they stay put (held-out hit@1 0.536 either way) unless "lead" gets weight: that lifts NewsQA to
# 0.58, but NewsQA's questions were written from each story's highlights, and on the bundled article the same
# weights cost 0.09 answer F1 (questions about later paragraphs). So lead stays 0.
SENTENCE_WEIGHTS = {"sim": 0.45, "overlap": 0.40, "prior": 0.08, "lead": 0.0, "typed": 0.12}
TYPED_CHECKS = 3  # only the best few are parsed (~4 ms each); the span stage reuses those parses. On NewsQA
# dev (per story) hit@1 of the best sentence is 0.541 with 3, 0.542 with 5, 8 or all.
SPAN_SENTENCES = 3  # phrases are looked for in this many best sentences (2: 2 ms faster, NewsQA F1 -0.005)
EMBEDDED_SENTENCES = 5  # and only the likeliest few are embedded (5: half the latency of 12, same F1)
SENTENCE_IN_SPAN = 1.5  # how much the sentence's own score counts in a phrase's score


def sentence_features(info: QuestionInfo, sentences: list[Sentence], sims: np.ndarray) -> None:
    """Features that need no parse: similarity, weighted term overlap, passage rank, place in the article."""
    idf = _idf(sentences, info.terms)
    total = sum(idf.values()) or 1.0
    for s, sim in zip(sentences, sims, strict=True):
        s.features.update({
            "sim": float(sim),
            "overlap": sum(w for t, w in idf.items() if t in s.terms) / total,
            "prior": 1.0 / math.sqrt(s.passage_rank),
            "lead": math.exp(-s.start / 1500.0),  # news puts the key facts first
            "typed": 0.0,
        })


def _weighted(features: dict[str, float]) -> float:
    return sum(SENTENCE_WEIGHTS[k] * features.get(k, 0.0) for k in SENTENCE_WEIGHTS)


def score_sentences(
    info: QuestionInfo,
    sentences: list[Sentence],
    query_vector: np.ndarray,
    encode: Callable[[list[str]], np.ndarray],
) -> None:
    """Set Sentence.score in place; features kept for confidence and debugging."""
    if not sentences:
        return
    # Sentence vectors normally come from the index. Without them (an index of format 1) embedding is the
    # costly step, so only the likeliest few are embedded: a first pass ranks all of them by term overlap
    # and by their passage's own similarity to the question.
    if all(s.sim is not None for s in sentences):
        sentence_features(info, sentences, np.array([s.sim for s in sentences], dtype=np.float32))
    else:
        sentence_features(info, sentences, np.array([s.passage_sim for s in sentences], dtype=np.float32))
        shortlist = sorted(sentences, key=lambda s: -_weighted(s.features))[:EMBEDDED_SENTENCES]
        sims = encode([s.text for s in shortlist]) @ query_vector
        for s in sentences:
            s.features["sim"] = 0.0
        for s, sim in zip(shortlist, sims, strict=True):
            s.features["sim"] = float(sim)
    for s in sentences:
        s.score = _weighted(s.features)
    if info.expected:
        q_lower = info.text.lower()
        best = sorted(sentences, key=lambda s: -s.score)[:TYPED_CHECKS]
        for s, doc in zip(best, parse_many([s.text for s in best]), strict=True):
            s.features["typed"] = float(
                any(e.label_ in info.expected and e.text.lower() not in q_lower for e in doc.ents)
            )
            s.score = _weighted(s.features)


def _plain(word: str) -> str:
    """Lower case without dots or edge punctuation, so "U.S." and "US" compare equal."""
    return word.lower().replace(".", "").replace("’", "'").strip("\"'“”‘?!,;:()")


_DET = {"the", "a", "an", "this", "that", "these", "those", "its", "their", "his", "her"}
_PLACE_PREP = {"in", "at", "to", "from", "near", "inside", "outside", "across"}
_TIME_PREP = {"on", "in", "at", "since", "by", "until", "during", "before", "after"}


PERSON_NOUNS = frozenset(
    ["leader", "official", "minister", "president", "spokesman", "spokeswoman", "man", "woman", "people", "person", "member", "officer", "worker", "resident", "student", "teacher", "doctor", "lawyer", "police", "soldier", "citizen", "voter", "diplomat", "envoy", "negotiator", "analyst", "expert", "executive", "chief", "director", "head", "king", "queen", "prince", "governor", "senator", "lawmaker", "mayor", "judge", "victim", "survivor", "witness", "player", "coach", "fan", "family", "father", "mother", "son", "daughter", "wife", "husband", "child", "children", "parent", "friend", "group"]
)


_WHEN_LABELS = frozenset({"DATE", "TIME"})
_AGENT_LABELS = frozenset({"PERSON", "ORG", "NORP"})  # a "which outlet/group/company did X" asks for an agent
_VALUE_LABELS = frozenset({"CARDINAL", "QUANTITY", "MONEY", "PERCENT", "DATE", "TIME", "ORDINAL"})
_OBJECT = "OBJECT"
_OBJECT_DEPS = frozenset({"dobj", "attr", "ccomp", "xcomp", "oprd", "acomp", "dative", "obj"})
GROUP_NOUNS = frozenset(
    ["nation", "country", "state", "government", "administration", "group", "agency", "company", "organization", "party", "army", "force"]
)


_MANNER_DEPS = frozenset({"advmod", "prep", "acomp", "oprd", "npadvmod"})


def _verb_objects(doc: object, info: QuestionInfo) -> list[tuple[int, int, str | None]]:
    """What the question's verb does in the sentence: its object or clause ("would ignite [a broader conflict]"),
    the object of a preposition the question repeats ("confined [to its nuclear program]"), or for how-questions
    its manner ("conducted [strictly as a bilateral meeting]")."""
    q_words = {w.lower() for w in re.findall(r"\w+", info.text)}
    out: list[tuple[int, int, str | None]] = []
    for tok in doc:  # type: ignore[attr-defined]
        if tok.pos_ == "NOUN" and info.qtype != "how" and stem(tok.text) in info.verbs:
            # "skepticism [that Tehran is prepared …]": the clause or "about …" phrase of a predicate noun.
            for child in tok.children:
                if child.dep_ in {"acl", "ccomp"} or (child.dep_ == "prep" and child.lower_ in q_words):
                    start, end = child.left_edge.i, child.right_edge.i + 1
                    if child.dep_ == "prep" or doc[start].lower_ == "that":  # type: ignore[index]
                        start += 1  # the preposition or "that" itself is not part of the answer
                    if end > start:
                        out.append((start, end, _OBJECT))
            continue
        if tok.pos_ not in {"VERB", "AUX"} or stem(tok.text) not in info.verbs:
            continue
        children = list(tok.children)
        if info.qtype == "how":
            manner = [c for c in children if c.dep_ in _MANNER_DEPS and c.i > tok.i]
            if manner:
                first, last = manner[0], manner[-1]
                out.append((first.left_edge.i, last.right_edge.i + 1, _OBJECT))
            continue
        for child in children:
            if child.dep_ == "prep" and child.lower_ in q_words:
                for pobj in child.children:
                    if pobj.dep_ == "pobj":
                        out.append((pobj.left_edge.i, pobj.right_edge.i + 1, _OBJECT))
            if child.dep_ not in _OBJECT_DEPS:
                continue
            start, end = child.left_edge.i, child.right_edge.i + 1
            if child.dep_ == "ccomp" and doc[start].lower_ == "that":  # type: ignore[index]
                start += 1
            out.append((start, end, _OBJECT))
            if info.focus and child.lower_ in {info.focus, info.focus + "s"}:
                # "maintaining its right [to uranium enrichment]": the focus noun's complement is the answer.
                for prep in child.children:
                    if prep.dep_ == "prep":
                        for pobj in prep.children:
                            if pobj.dep_ == "pobj":
                                out.append((pobj.left_edge.i, pobj.right_edge.i + 1, _OBJECT))
    return out


_AGENT = "AGENT"


def _verb_agents(doc: object, info: QuestionInfo) -> list[tuple[int, int, str | None]]:
    """Who did what the question asks: the subject of its verb, climbing through "reached out … to urge"
    and resolving "leaders who pressed" to "leaders"."""
    out: list[tuple[int, int, str | None]] = []
    for tok in doc:  # type: ignore[attr-defined]
        if tok.pos_ == "NOUN" and stem(tok.text) in info.verbs:
            # "reporting [by Axios]": the agent of a nominalised verb.
            for prep in tok.children:
                if prep.dep_ == "prep" and prep.lower_ == "by":
                    for pobj in prep.children:
                        if pobj.dep_ == "pobj":
                            out.append((pobj.left_edge.i, pobj.right_edge.i + 1, _AGENT))
            continue
        if tok.pos_ not in {"VERB", "AUX"} or stem(tok.text) not in info.verbs:
            continue
        node = tok
        for _ in range(4):
            subjects = [c for c in node.children if c.dep_ in {"nsubj", "agent"}]
            if subjects:
                subj = subjects[0]
                if subj.dep_ == "agent":  # passive "by X"
                    subj = next((c for c in subj.children if c.dep_ == "pobj"), subj)
                if subj.lower_ in {"who", "that", "which"} and node.dep_ == "relcl":
                    subj = node.head
                out.append((subj.left_edge.i, subj.i + 1 if subj.dep_ != "nsubj" else subj.right_edge.i + 1, _AGENT))
                break
            if node.dep_ in {"xcomp", "advcl", "conj", "ccomp", "relcl", "acl"} and node.head is not node:
                node = node.head
            else:
                break
    return out


def _chunk_label(chunk: object, ents: Sequence[object]) -> str | None:
    """A noun phrase takes an entity's type only when the entity is its head ("Muscat"), or
    PERSON when its head is a person noun ("Arab and Muslim leaders"), not for any entity inside it."""
    root = chunk.root  # type: ignore[attr-defined]
    for e in ents:
        if e.start <= root.i < e.end:  # type: ignore[attr-defined]
            return str(e.label_)  # type: ignore[attr-defined]
    word = root.lower_
    if word in GROUP_NOUNS or (word.endswith("s") and word[:-1] in GROUP_NOUNS) or word == "countries":
        return "GROUP"
    if word in PERSON_NOUNS or (word.endswith("s") and word[:-1] in PERSON_NOUNS) or word == "children":
        return "PERSON"
    return None


def _trim(doc_span: object, q_terms: set[str] | None = None) -> tuple[int, int] | None:
    """Token range of a candidate without leading determiners/possessives, trailing punctuation, and a
    trailing prepositional phrase that only repeats the question ("… under international treaty obligations")."""
    toks = list(doc_span)  # type: ignore[call-overload]
    if q_terms:
        for k in range(len(toks) - 1, 0, -1):
            if toks[k].dep_ == "prep":
                tail = [t for t in toks[k + 1 :] if not t.is_stop and not t.is_punct]
                if tail and all(stem(t.text) in q_terms for t in tail):
                    toks = toks[:k]
                break
    while toks and (toks[0].lower_ in _DET or toks[0].is_punct or toks[0].lower_ in WH_WORDS):
        toks = toks[1:]
    while toks and (toks[-1].is_punct or toks[-1].lower_ in {"'s", "’s"}):
        toks = toks[:-1]
    if not toks:
        return None
    return toks[0].i, toks[-1].i + 1


_CREDIT_END = re.compile(r"\)\s*(?:--|—|–|-)\s")


def _is_credit_line(text: str, start: int, end: int) -> bool:
    """The wire credit of a dateline, "VALDORA (Harbour Wire) -- …": the agency that filed the story, not a
    phrase of it."""
    return start > 0 and text[start - 1] == "(" and _CREDIT_END.match(text, end) is not None


def extract_spans(info: QuestionInfo, sentences: Sequence[Sentence], top_n: int = SPAN_SENTENCES) -> list[Span]:
    """Typed phrases in the best sentences, best first."""
    best = sorted(sentences, key=lambda s: -s.score)[:top_n]
    if not best:
        return []
    docs = parse_many([s.text for s in best])
    q_terms = set(info.terms)
    q_words = {_plain(w) for w in info.text.split()} | {w.lower() for w in re.findall(r"\w+", info.text)}
    candidates: list[Span] = []
    counts: dict[str, int] = {}
    for sent, doc in zip(best, docs, strict=True):
        anchors = [t.i for t in doc if not t.is_stop and not t.is_punct and stem(t.text) in q_terms]
        seen: set[tuple[int, int]] = set()
        pool: list[tuple[int, int, str | None]] = []
        chunks = list(doc.noun_chunks)
        ents = list(doc.ents)
        for first, second in itertools.pairwise(ents):
            # "Wednesday" + "afternoon" are two entities to spaCy, one answer to "when".
            if first.label_ in _WHEN_LABELS and second.label_ in _WHEN_LABELS and second.start == first.end:
                pool.append((first.start, second.end, first.label_))
        for ent in doc.ents:
            # An entity that only modifies a larger phrase ("Trump" in "the Trump administration") is not an answer;
            # numbers and dates are ("at least nine" in "at least nine countries").
            if ent.label_ not in _VALUE_LABELS and any(
                nc.start <= ent.start and ent.end <= nc.end and not (ent.start <= nc.root.i < ent.end) for nc in chunks
            ):
                continue
            pool.append((ent.start, ent.end, ent.label_))
        if info.verbs and not info.expected:
            pool[:0] = _verb_objects(doc, info)  # first, so a noun phrase at the same place does not shadow it
        if info.verbs and (info.qtype == "who" or (info.asks_subject and info.expected & _AGENT_LABELS)):
            pool[:0] = _verb_agents(doc, info)
        for nc in chunks:
            pool.append((nc.start, nc.end, _chunk_label(nc, doc.ents)))
        focus_positions = [t.i for t in doc if info.focus and t.lower_ in {info.focus, info.focus + "s"}]
        for start, end, label in pool:
            trimmed = _trim(doc[start:end], q_terms)
            if trimmed is None or trimmed in seen:
                continue
            seen.add(trimmed)
            a, b = trimmed
            span_toks = doc[a:b]
            words = [_plain(t.text) for t in span_toks if not t.is_punct]
            content = [t for t in words if t not in STOPWORDS]
            is_object = label == _OBJECT
            if not content or len(words) > (20 if is_object else 12) or all(t.pos_ == "PRON" for t in span_toks):
                continue
            if is_object and info.qtype != "how" and not any(t.pos_ in {"NOUN", "PROPN", "NUM"} for t in span_toks):
                continue  # "made [clear]": an object answer names something
            if _is_credit_line(sent.text, span_toks.start_char, span_toks.end_char):
                continue
            novel = [w for w in content if w not in q_words and stem(w) not in q_terms]
            if not novel:
                continue
            is_agent = label == _AGENT
            typed = is_agent or (label in info.expected if info.expected else is_object)
            if info.focus and not typed and span_toks.root.lower_ in {info.focus, info.focus.rstrip("s")}:
                typed = True
            if info.expected and not typed and info.qtype in {"when", "how_many", "how_much", "how_long"}:
                continue
            dist = min((min(abs(i - a), abs(i - (b - 1))) for i in anchors), default=12)
            proximity = 1.0 / (1.0 + dist / 4.0)
            prev = doc[a - 1].lower_ if a > 0 else ""
            prep = (info.qtype == "where" and prev in _PLACE_PREP) or (info.qtype == "when" and prev in _TIME_PREP)
            novelty = len(novel) / len(content)
            focus_dist = min((min(abs(i - a), abs(i - (b - 1))) for i in focus_positions), default=None)
            score = (
                SENTENCE_IN_SPAN * sent.score
                + (0.35 if typed else 0.0)
                + (0.25 if is_agent else 0.0)
                + 0.25 * proximity
                + (0.1 if prep else 0.0)
                + 0.3 * novelty
                + (0.15 / (1.0 + focus_dist / 2.0) if focus_dist is not None else 0.0)
                - 0.01 * max(0, len(words) - 4)
            )
            char_start = sent.start + span_toks.start_char
            char_end = sent.start + span_toks.end_char
            text = sent.text[span_toks.start_char : span_toks.end_char]
            key = text.lower()
            counts[key] = counts.get(key, 0) + 1
            candidates.append(Span(sent, char_start, char_end, text, score, typed))
    for c in candidates:
        c.score += 0.08 * (counts[c.text.lower()] - 1)
    candidates.sort(key=lambda c: -c.score)
    return candidates


_CLAUSE_SPLIT = re.compile(r"[,;:—–]\s+|\s+(?=(?:because|since|so that|in order to|after|but|while)\b)")
_WHY_CUES = re.compile(r"^(because|since|so that|in order to|to|after|due to|as)\b", re.I)


_REASON = re.compile(
    r"(?:\b(?:because(?: of)?|since|in order to|so that|due to|as a result of|to)\s+)[^,;:.!?“”\"()]+", re.I
)


def _reason_span(info: QuestionInfo, sentence: Sentence) -> tuple[int, int] | None:
    """For why questions: a cue phrase ("because …", "to be respectful") that adds words the question lacks."""
    q_terms = set(info.terms)
    best: tuple[float, tuple[int, int]] | None = None
    for m in _REASON.finditer(sentence.text):
        terms = content_terms(m.group(0))
        if not terms:
            continue
        novel = sum(t not in q_terms for t in terms) / len(terms)
        if novel < 0.5:
            continue
        strong = not m.group(0).lower().startswith("to ")
        score = novel + (0.5 if strong else 0.0)
        if best is None or score > best[0]:
            best = (score, (m.start(), m.end()))
    if best is None:
        return None
    a, b = best[1]
    while b > a and sentence.text[b - 1].isspace():
        b -= 1
    return sentence.start + a, sentence.start + b


def shortest_clause(info: QuestionInfo, sentence: Sentence) -> tuple[int, int]:
    """For why/how questions: the clause of the sentence that best answers, never more than the sentence."""
    if info.qtype == "why":
        reason = _reason_span(info, sentence)
        if reason is not None:
            return reason
    text = sentence.text
    pieces: list[tuple[int, int]] = []
    pos = 0
    for m in _CLAUSE_SPLIT.finditer(text):
        if m.start() > pos:
            pieces.append((pos, m.start()))
        pos = m.end()
    pieces.append((pos, len(text)))
    q_terms = set(info.terms)
    best: tuple[float, tuple[int, int]] | None = None
    for a, b in pieces:
        clause = text[a:b].strip(" \"“”'")
        n_words = len(clause.split())
        if n_words < 3:
            continue
        terms = set(content_terms(clause))
        novel = len(terms - q_terms)
        if novel == 0:
            continue
        score = 0.4 * min(novel, 6) / 6
        if info.qtype == "why" and _WHY_CUES.match(clause):
            score += 0.5
        score += 0.2 * len(terms & q_terms) / (len(q_terms) or 1) - 0.01 * n_words
        if best is None or score > best[0]:
            lead = len(text[a:b]) - len(text[a:b].lstrip(" \"“”'"))
            best = (score, (a + lead, a + lead + len(clause)))
    if best is None:
        return sentence.start, sentence.end
    a, b = best[1]
    return sentence.start + a, sentence.start + b


_NAME_OR_NUMBER = re.compile(r"\b(?:[A-Z][\w'’.-]*|\d[\d,.]*)")


def _name_keys(text: str) -> list[str]:
    return [stem(w.strip(".,;:’'\"“”()")) for w in text.split()]


def entity_coverage(question: str, sentence: Sentence) -> float:
    """Share of the question's names and numbers (capitalised words after the first, digits) found in the
    sentence or its passage: an answer about another person, year or place is the usual unanswerable trap."""
    first = question.split()[0] if question.split() else ""
    marks = [m.group(0) for m in _NAME_OR_NUMBER.finditer(question) if m.start() > len(first) or m.group(0)[0].isdigit()]
    keys = {stem(m.strip(".,")) for m in marks if m.lower() not in STOPWORDS}
    if not keys:
        return 1.0
    present = sentence.terms | sentence.context | set(_name_keys(sentence.text))
    return sum(k in present for k in keys) / len(keys)


# Logistic weights over the signals below, fitted on the SQuAD 2.0 dev sample plus off-topic questions
# about the bundled article (eval/calibrate.py prints them); a correct answer is the positive class.
CONFIDENCE_WEIGHTS = {
    "bias": -2.548, "sim": 1.776, "overlap": 0.37, "typed": -0.251, "untyped": -0.86, "coverage": 0.982,
    "margin": 0.123, "passage_coverage": 0.602,
}


def passage_coverage(info: QuestionInfo, sentences: Sequence[Sentence]) -> float:
    """Share of the question's terms found anywhere in the retrieved text: a question about something the
    passages never mention cannot be answered from them, however similar they look."""
    if not info.terms:
        return 1.0
    seen: set[str] = set()
    for s in sentences:
        seen |= s.terms
    return sum(t in seen for t in info.terms) / len(info.terms)


def answer_signals(
    best_sentence: Sentence | None,
    runner_up: Sentence | None,
    span: Span | None,
    info: QuestionInfo,
    sentences: Sequence[Sentence] = (),
) -> dict[str, float]:
    if best_sentence is None:
        return {}
    f = best_sentence.features
    typed = float(span is not None and span.typed)
    return {
        "passage_coverage": passage_coverage(info, sentences),
        "sim": f.get("sim", 0.0),
        "overlap": f.get("overlap", 0.0),
        "typed": typed if info.expected else 0.0,
        "untyped": (1.0 - typed) if info.expected else 0.0,
        "coverage": entity_coverage(info.text, best_sentence),
        "margin": best_sentence.score - (runner_up.score if runner_up is not None else 0.0),
    }


def confidence_of(signals: dict[str, float]) -> float:
    """A 0..1 belief that the answer is right."""
    if not signals:
        return 0.0
    z = CONFIDENCE_WEIGHTS["bias"] + sum(CONFIDENCE_WEIGHTS.get(k, 0.0) * v for k, v in signals.items())
    return float(1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z)))))


def build_answer(
    question: str,
    info: QuestionInfo,
    passages: list[Passage],
    query_vector: np.ndarray,
    encode: Callable[[list[str]], np.ndarray],
    *,
    threshold: float,
    max_citations: int = 3,
    max_passages: int = 5,
) -> Answer:
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    sentences = candidate_sentences(passages, max_passages)
    score_sentences(info, sentences, query_vector, encode)
    t1 = time.perf_counter()
    spans = extract_spans(info, sentences)
    t2 = time.perf_counter()
    timings["rescoring"] = (t1 - t0) * 1000
    timings["span_extraction"] = (t2 - t1) * 1000

    ranked = sorted(sentences, key=lambda s: -s.score)
    best_sentence = ranked[0] if ranked else None
    span = spans[0] if spans else None
    if span is not None and info.qtype in {"why", "how", "yes_no"} and not span.typed:
        span = None
    if span is not None and best_sentence is not None and span.sentence is not best_sentence:
        # A typed phrase from a weaker sentence must earn its place against the best sentence.
        if span.sentence.score < best_sentence.score - 0.15:
            span = None
    lead_for_signals = span.sentence if span else best_sentence
    runner_up = next((s for s in ranked if s is not lead_for_signals), None)
    signals = answer_signals(lead_for_signals, runner_up, span, info, sentences)
    confidence = confidence_of(signals)
    answerable = best_sentence is not None and confidence >= threshold

    if not answerable:
        return Answer(question, NOT_FOUND, False, confidence, [], passages, timings, question_type=info.qtype,
                      signals=signals)

    assert best_sentence is not None
    lead = span.sentence if span is not None else best_sentence
    if span is not None:
        a_start, a_end, text = span.start, span.end, span.text
    else:
        a_start, a_end = shortest_clause(info, lead)
        text = lead.text[a_start - lead.start : a_end - lead.start]
    cited = [lead, *supporting_sentences(lead, text, ranked)[: max_citations - 1]]
    citations = [
        Citation(
            n=i + 1,
            doc_id=s.doc_id,
            title=s.title,
            source=s.source,
            quote=s.text,
            start=s.start,
            end=s.end,
            score=round(float(s.score), 4),
            answer_start=a_start if s is lead else None,
            answer_end=a_end if s is lead else None,
        )
        for i, s in enumerate(cited)
    ]
    return Answer(question, text, True, confidence, citations, passages, timings, question_type=info.qtype,
                  signals=signals)


def supporting_sentences(lead: Sentence, answer_text: str, ranked: Sequence[Sentence]) -> list[Sentence]:
    """Further quotes only when they back the same answer: they contain it, or (for clause answers) score
    as high as the lead sentence. Loosely related sentences are passages, not citations."""
    needle = " ".join(answer_text.lower().split())
    short = len(needle.split()) <= 8
    out = []
    for s in ranked:
        if s is lead:
            continue
        if (short and needle and needle in " ".join(s.text.lower().split())) or (not short and s.score >= lead.score - 0.03):
            out.append(s)
    return out


def verify_citations(citations: list[Citation], text_of: Callable[[str], str | None]) -> list[Citation]:
    """Keep only quotes that are the stored text at their offsets; renumber what remains."""
    kept: list[Citation] = []
    for c in citations:
        text = text_of(c.doc_id)
        if text is None or not (0 <= c.start < c.end <= len(text)) or text[c.start : c.end] != c.quote:
            continue
        if c.answer_start is not None and not (c.start <= c.answer_start < c.answer_end <= c.end):  # type: ignore[operator]
            c.answer_start = c.answer_end = None
        kept.append(c)
    for i, c in enumerate(kept):
        c.n = i + 1
    return kept
