"""The grammar of a list answer's items: which noun phrases are separate parties, which fill the role a question
asks for, and which say the same party twice. Read by :mod:`.listing`; spaCy parses, no model scores."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ...metrics import normalize_answer
from ...nlp import content_terms, parse, stem
from ...question import QuestionInfo
from .clauses import noun_phrase
from .sentences import ArticleSentences

_OBJECT_DEPS = frozenset({"dobj", "dative", "iobj", "attr", "oprd"})
_NOT_AGENT_PREPS = frozenset({"to", "into", "onto", "with", "in", "at", "on", "for", "against", "toward", "towards"})
_PERSONISH = frozenset({"PERSON", "ORG", "NORP", "GPE"})
_AMOUNTS = frozenset({"PERCENT", "MONEY", "CARDINAL", "QUANTITY", "DATE", "TIME"})
# Verbs that attribute ("U.S. officials said …"): their subject is the source of a report, not a party to it.
_SPEECH = frozenset(stem(w) for w in ("say", "says", "said", "tell", "told", "report", "reported", "add", "added",
                                      "note", "noted", "announce", "announced", "state", "stated", "claim", "claimed",
                                      "argue", "argued", "explain", "explained", "write", "wrote", "according"))
_DEMONSTRATIVES = frozenset({"those", "these", "this", "that"})
# A wire story's opening dateline: "KELVALE, Norland (Wire) --", "MUSCAT, Oman (AP) —", "(Wire) --". Where the story was
# filed from, not a party to it.
_DATELINE = re.compile(
    r"^(?:[A-Z][A-Z.'\u2019 -]*[A-Z]\.?(?:,\s*[A-Z][A-Za-z.'\u2019 ]{0,30}?)?\s*(?:\([A-Za-z.]{2,15}\)\s*)?"
    r"|\([A-Za-z.]{2,15}\)\s*)(?:--|\u2014|\u2013)\s"
)
# English verbs whose past forms no stemmer joins to the present ("paid" / "pay"): a closed class.
_IRREGULAR = """pay paid|buy bought|sell sold|make made|win won|lose lost|lead led|hold held|tell told|say said|
take took taken|give gave given|bring brought|build built|send sent|spend spent|meet met|leave left|keep kept|
find found|fight fought|begin began begun|run ran|see saw seen|write wrote written|go went gone|get got gotten|
know knew known|think thought|catch caught|seek sought|steal stole stolen|choose chose chosen|speak spoke spoken|
break broke broken|drive drove driven|rise rose risen|fall fell fallen|grow grew grown|draw drew drawn|
throw threw thrown|fly flew flown|sit sat|stand stood|lend lent|feel felt|deal dealt|mean meant|hear heard|
shoot shot|strike struck|tear tore torn|wear wore worn|hide hid hidden|shake shook shaken|ride rode ridden|
become became|come came|eat ate eaten|flee fled|feed fed|lay laid|stick stuck|hang hung|swing swung|
forbid forbade forbidden|freeze froze frozen|undertake undertook undertaken|withdraw withdrew withdrawn|
oversee oversaw overseen|foresee foresaw foreseen|overtake overtook overtaken|sue sued"""
_FORMS: dict[str, str] = {stem(f): stem(line.split()[0]) for line in _IRREGULAR.replace("\n", "").split("|")
                          for f in line.split()}


def verb_stem(word: str) -> str:
    """The stem of a verb form, its present's for the irregular ones ("paid" → "pay")."""
    s = stem(word)
    return _FORMS.get(s, s)


@dataclass
class Item:
    doc_id: str
    sentence: int  # index into the article's spans
    start: int  # absolute offsets of the item
    end: int
    rank: float  # lower first when two items tie in text order


def well_formed(art: ArticleSentences, item: Item) -> bool:
    """The item is a whole phrase of the prose: it does not begin inside a word ("elect" of "Mayor-elect")
    and is not the dateline a wire story opens with ("KELVALE, Norland (Wire) --")."""
    text = art.document.text
    if item.start > 0 and (text[item.start - 1].isalnum() or text[item.start - 1] in "-\u2010\u2011"):
        return False
    s0, e0 = art.spans[item.sentence]
    dateline = _DATELINE.match(text[s0:e0])
    return dateline is None or item.start - s0 >= dateline.end()


def coordination(art: ArticleSentences, doc_id: str, i: int, rank: float) -> list[Item]:
    """The first coordinated group of nouns in sentence i ("wheat and cooking oil"), one item per noun."""
    sentence = art.text(i)
    for tok in parse(sentence):
        if tok.pos_ in {"NOUN", "PROPN"} and tok.dep_ != "conj" and any(
            c.dep_ == "conj" and c.pos_ in {"NOUN", "PROPN"} for c in tok.children
        ):
            np_ = noun_phrase(sentence, tok.idx, tok.idx + len(tok.text))
            if np_ is not None:
                return [it for it, _ in split_items(sentence, np_, art, doc_id, i, rank)]
    return []


def mentions(sentence: str, focus: str | None, verbs: set[str], nouns: frozenset[str] = frozenset()) -> bool:
    """The sentence says the asked noun (or one of ``nouns``, e.g. "bidders" for "bid") or a form of an asked
    verb ("paid" for "pay", "urgent" for "urg")."""
    words = {verb_stem(w.strip(".,;:!?\"“”‘’()")) for w in sentence.split()}
    low = sentence.lower()
    return bool((focus and focus in words) or words & nouns or any(v in words or f" {v}" in f" {low}" for v in verbs))


def done_by(art: ArticleSentences, item: Item, verbs: set[str]) -> bool:
    """The item is the doer of one of the question's verbs: the first verb above it in the parse is one."""
    s0 = art.spans[item.sentence][0]
    np_ = noun_phrase(art.text(item.sentence), item.start - s0, item.end - s0)
    if np_ is None:
        return False
    for anc in np_[2].ancestors:
        if anc.pos_ in {"VERB", "AUX"}:
            return verb_stem(anc.text) in verbs
    return False


def collective(art: ArticleSentences, item: Item) -> bool:
    """A plural noun phrase ("at least nine countries in the region"): a group named as the text names it."""
    s0 = art.spans[item.sentence][0]
    np_ = noun_phrase(art.text(item.sentence), item.start - s0, item.end - s0)
    return np_ is not None and np_[2].tag_ in {"NNS", "NNPS"}


def doers(tok: Any) -> list[Any]:
    """Who does what ``tok`` names: a verb's subject (its governing verb's, for "… to urge"), the agent of its
    passive, or where the noun it modifies came from ("urgent lobbying from Arab and Muslim leaders")."""
    if tok.pos_ == "VERB":
        subj = [c for c in tok.children if c.dep_ in {"nsubj"}]
        subj += [g for c in tok.children if c.dep_ == "agent" for g in c.children if g.dep_ == "pobj"]
        if not subj and tok.dep_ in {"xcomp", "advcl"}:
            subj = [c for c in tok.head.children if c.dep_ == "nsubj"]
        return subj
    if tok.pos_ == "ADJ" and tok.head.pos_ == "NOUN":
        return [g for p in tok.head.children if p.dep_ == "prep" and p.lower_ in {"from", "by"}
                for g in p.children if g.dep_ == "pobj"]
    return []


def split_items(sentence: str, np_: tuple[int, int, Any], art: ArticleSentences, doc_id: str, i: int,
           rank: float) -> list[tuple[Item, Any]]:
    """One item per coordinated noun ("Maureen Pryce and Owen Tasker", "wheat and cooking oil" → two), and the
    names a plural phrase stands for ("two other bidders, Marrow Civil Works and Tallis Building Partners" → the
    two names); otherwise the phrase. A coordinated modifier stays one party ("Arab and Muslim leaders"). Only
    whole phrases of the prose (:func:`well_formed`)."""
    s0 = art.spans[i][0]
    start, end, head = np_
    named = [c for c in head.children if c.dep_ == "appos" and c.pos_ in {"PROPN", "NOUN"}]
    # "two other bidders, Marrow … and Tallis …" → the names; "Iran's foreign minister, Abbas Araghchi" → the name.
    if named and (head.tag_ in {"NNS", "NNPS"} or (named[0].pos_ == "PROPN" and head.pos_ == "NOUN")):
        head = named[0]
    members = [head]
    if not any(c.dep_ == "cc" and c.text == "&" for c in head.children):  # "Hollis & Brandt" is one name
        todo = [head]
        while todo:  # every conjunct, whether chained (A, B and C) or attached to the first
            node = todo.pop(0)
            nxt = [c for c in node.children if c.dep_ == "conj" and c.pos_ in {"PROPN", "NOUN"}]
            members += nxt
            todo += nxt
        members.sort(key=lambda t: t.i)
    if len(members) == 1 and head is np_[2]:
        pair = _coordinated_modifier(head)
        if pair is not None:  # "wheat and cooking oil" parsed as one oil of two kinds
            out = [(Item(doc_id, i, s0 + a, s0 + b, rank), tok) for a, b, tok in pair]
        else:
            out = [(Item(doc_id, i, s0 + start, s0 + end, rank), head)]
    else:
        out = []
        for n, m in enumerate(members):
            sub = noun_phrase(sentence, m.idx, m.idx + len(m.text), keep_conj=False)
            if sub is not None:
                a, b, _ = sub
                if n == len(members) - 1:
                    b = max(b, _trailing_prep_end(m, members, b))
                out.append((Item(doc_id, i, s0 + a, s0 + b, rank), m))
    return [(it, tok) for it, tok in out if well_formed(art, it)]


def _coordinated_modifier(head: Any) -> list[tuple[int, int, Any]] | None:
    """spaCy reads "the price of wheat and cooking oil" as "oil" modified by "wheat and cooking": a noun
    modifier (nmod) coordinated with another noun before the head is two things, "wheat" and "cooking oil". An
    adjective pair ("Arab and Muslim leaders") is amod and stays one party."""
    for c in head.children:
        conj = [d for d in c.children if d.dep_ == "conj" and d.pos_ == "NOUN" and d.i < head.i]
        if c.dep_ == "nmod" and c.pos_ == "NOUN" and c.i < head.i and conj:
            first = (c.left_edge.idx, c.idx + len(c.text), c)
            second = (conj[-1].left_edge.idx, head.idx + len(head.text), head)
            return [first, second]
    return None


def _trailing_prep_end(last: Any, members: list[Any], end: int) -> int:
    """The parser hangs "of cleaning supplies" in "furniture, cardboard packaging and pallets of cleaning
    supplies" on an earlier conjunct; a prepositional phrase right after the last one is the last one's."""
    for m in members:
        for c in m.children:
            if c.dep_ == "prep" and m is not last and c.i == last.i + 1:
                tail = c.right_edge
                return tail.idx + len(tail.text)
    return end


def fits(info: QuestionInfo, head: Any, asked_verbs: frozenset[str] = frozenset(), doer: bool = False) -> bool:
    """The phrase can answer: not the object of a verb or a preposition when the question asks for the doer,
    and of the kind asked for (people or groups for "who")."""
    # The doer's role only where the question asks who or what did something ("Who urged …", "Which countries
    # contacted …", "What sources pay …"), not "Which streets had homes evacuated?".
    if info.qtype == "who" or (doer and (not info.expected or info.expected & {"PERSON", "ORG", "NORP"})):
        if head.dep_ in _OBJECT_DEPS:
            return False
        if head.dep_ == "pobj" and head.head.lower_ in _NOT_AGENT_PREPS:
            return False
        if head.dep_ == "poss":
            return False
    if info.qtype == "who" and head.pos_ == "PRON":
        return False
    # "Those two ingredients": a phrase pointing elsewhere names nothing itself.
    if any(c.dep_ == "det" and c.lower_ in _DEMONSTRATIVES for c in head.children):
        return False
    # "U.S. officials said …": the source of a report, unless the question asks who said something.
    if head.dep_ == "nsubj" and verb_stem(head.head.text) in _SPEECH and not asked_verbs & _SPEECH:
        return False
    if info.qtype == "who" and head.ent_type_ and head.ent_type_ not in _PERSONISH:
        return False
    # "Which countries …" is not answered by a person's name (a company's may be tagged as one: not judged there).
    if head.ent_type_ == "PERSON" and "GPE" in info.expected and "PERSON" not in info.expected:
        return False
    # "Which ingredients …" is not answered by "27 percent": a count or amount only where one is asked for.
    return not (head.ent_type_ in _AMOUNTS and not (info.expected & _AMOUNTS))


def dedupe(items: list[Item], articles: Mapping[str, ArticleSentences], question: str) -> list[Item]:
    """One item per party: overlapping phrases keep the longer (in the same place) or the first said; a phrase
    the question itself says is no answer."""
    asked = set(content_terms(question))
    kept: list[Item] = []
    for it in sorted(items, key=lambda x: x.rank):
        text = articles[it.doc_id].document.text[it.start:it.end]
        terms = set(content_terms(text))
        if not terms or terms <= asked:
            continue
        norm = normalize_answer(text)
        clash = None
        for k in kept:
            kraw = articles[k.doc_id].document.text[k.start:k.end]
            ktext = normalize_answer(kraw)
            same_place = k.doc_id == it.doc_id and k.start < it.end and it.start < k.end
            kterms = set(content_terms(kraw))
            # "the tension force" = "tension forces"; "its frozen meals" ⊂ "frozen ready meals"
            same_words = kterms == terms or (min(len(kterms), len(terms)) >= 2 and (kterms <= terms or terms <= kterms))
            if same_place or same_words or norm == ktext or (norm and (f" {norm} " in f" {ktext} " or
                                                                       f" {ktext} " in f" {norm} ")):
                clash = k
                break
        if clash is None:
            kept.append(it)
    return kept


