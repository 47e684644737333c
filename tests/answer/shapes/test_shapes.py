"""Answer shapes: the question's grammar picks overview / explanation / list / factoid, and every piece of a
shaped answer is verbatim article text at its offsets, cited by the sentence that holds it."""

from __future__ import annotations

import re

import numpy as np
import pytest

from articleqa.answer.citations import quote_is_verbatim
from articleqa.answer.shapes import ArticleSentences, Overview, recognise
from articleqa.answer.shapes.clauses import noun_phrase
from articleqa.answer.shapes.listing import _asked
from articleqa.answer.shapes.parties import Item, split_items, verb_stem, well_formed
from articleqa.answer.written import (
    INSTRUCTIONS,
    GenerationDone,
    answer_from_generation,
    build_prompt,
    parse_reply,
    written_request,
)
from articleqa.metrics import overview_coverage, set_scores
from articleqa.question import classify
from articleqa.records import Answer, Document
from articleqa.ui.render import render_answer


def _assert_pieces_verbatim(qa, answer: Answer) -> None:  # type: ignore[no-untyped-def]
    for c in answer.citations:
        assert quote_is_verbatim(qa.document(c.doc_id).text, c.start, c.end, c.quote)
    for p in answer.parts:
        assert qa.document(p.doc_id).text[p.start : p.end] == p.text
        assert p.cites and all(any(c.n == n for c in answer.citations) for n in p.cites)


# Phrasings written for this test, not taken from eval/shapes.jsonl.
@pytest.mark.parametrize(("question", "kind"), [
    ("Could you summarise the report on the library contract?", "overview"),
    ("Please recap the story.", "overview"),
    ("What's this piece about?", "overview"),
    ("Give me the highlights of the Vantor news", "overview"),
    ("What were the most important points?", "overview"),
    ("Fill me in on the fire", "overview"),
    ("What happened in Westmere?", "overview"),
    ("What does the story say?", "overview"),
    ("Why did the council pick the more expensive builder?", "explanation"),
    ("How come the residents could go home?", "explanation"),
    ("What was the reason for the price rise?", "explanation"),
    ("What led to the evacuation?", "explanation"),
    ("How did the firefighters control the blaze?", "explanation"),
    ("Which firms lost the bid?", "list"),
    ("What risks did analysts mention?", "list"),
    ("Who were the councillors that opposed it?", "list"),
    ("Who attended the meeting?", "list"),
    ("Which local firms does the story mention?", "list"),
    # factoids stay factoids
    ("Who is the mayor of Westmere?", "factoid"),
    ("How many homes were evacuated?", "factoid"),
    ("How long did the fire burn?", "factoid"),
    ("What happened to the chicken pies?", "factoid"),
    ("What is the mayor worried about?", "factoid"),
    ("Which news outlet reported the story first?", "factoid"),
    ("How did the official describe the mood?", "factoid"),
    ("When does construction begin?", "factoid"),
    ("Where was the fire?", "factoid"),
    # a time pins one event; a thing in the article is not the article
    ("What happened on Tuesday?", "factoid"),
    ("What happened in March 2019?", "factoid"),
    ("What is the lawsuit about?", "factoid"),
    ("What is the new film about?", "factoid"),
    ("What are these stories about?", "overview"),
])
def test_the_question_grammar_picks_the_shape(question: str, kind: str) -> None:
    assert recognise(question).kind == kind


def test_an_overview_names_its_article_or_points_back() -> None:
    assert recognise("Summarize the article about the warehouse fire").topic == "warehouse fire"
    assert recognise("Summarize it").refers_back
    assert recognise("Summarize all the articles").every_article


def test_an_overview_is_the_headline_and_central_sentences_in_article_order(qa) -> None:  # type: ignore[no-untyped-def]
    answer = qa.ask("Summarize the article about the Vantor Foods results")
    assert answer.kind == "overview" and answer.answerable
    heading, *sentences = answer.parts
    assert heading.heading and heading.text.startswith("Vantor Foods Profit Falls")
    assert 3 <= len(sentences) <= 5
    assert [p.start for p in sentences] == sorted(p.start for p in sentences)
    assert len({p.text for p in sentences}) == len(sentences)
    assert sentences[0].text.startswith("Vantor Foods, the Corwell-based maker")  # the lead
    _assert_pieces_verbatim(qa, answer)


def test_summarize_it_after_an_answer_summarizes_that_article(qa) -> None:  # type: ignore[no-untyped-def]
    chat = qa.chat()
    first = chat.ask("Who won the library contract?")
    summary = chat.ask("Summarize it")
    assert summary.kind == "overview"
    assert {p.doc_id for p in summary.parts} == {first.citations[0].doc_id}


def test_an_overview_of_an_unnamed_article_among_several_asks_which(qa) -> None:  # type: ignore[no-untyped-def]
    answer = qa.ask("What is this article about?")
    assert answer.kind == "overview" and not answer.answerable and "which one" in answer.text


def test_an_overview_of_a_topic_no_article_covers_says_so(qa) -> None:  # type: ignore[no-untyped-def]
    answer = qa.ask("Summarize the article about the moon landing")
    assert not answer.answerable and not answer.citations


def test_a_list_names_every_party_each_with_its_quote(qa) -> None:  # type: ignore[no-untyped-def]
    answer = qa.ask("Who voted against the contract?")
    assert answer.kind == "list"
    items = [p.text for p in answer.parts]
    assert any("Maureen Pryce" in i for i in items) and any("Owen Tasker" in i for i in items)
    _assert_pieces_verbatim(qa, answer)


def test_who_urged_them_lists_who_urged_not_who_was_urged(qa) -> None:  # type: ignore[no-untyped-def]
    answer = qa.ask("Who urged them?", history=["Where are the talks held?"])
    assert answer.kind == "list"
    items = [p.text for p in answer.parts]
    assert "Arab and Muslim leaders" in items
    assert not any("Trump administration" in i for i in items)
    _assert_pieces_verbatim(qa, answer)


def test_one_party_stays_a_factoid(qa) -> None:  # type: ignore[no-untyped-def]
    answer = qa.ask("Who confirmed the meeting in Muscat?")
    assert answer.kind == "factoid" and "Araghchi" in answer.text


def test_an_explanation_is_the_reason_clause_with_its_sentence(qa) -> None:  # type: ignore[no-untyped-def]
    answer = qa.ask("Why was the old Carver Street library closed?")
    assert answer.kind == "explanation" and "cracks in its roof beams" in answer.text
    c = answer.citations[0]
    assert c.answer_start is not None and c.start <= c.answer_start < c.answer_end <= c.end  # type: ignore[operator]
    assert qa.document(c.doc_id).text[c.answer_start : c.answer_end] == answer.text
    _assert_pieces_verbatim(qa, answer)


def test_why_the_venue_changed_is_irans_request_after_a_chat_about_the_talks(qa) -> None:  # type: ignore[no-untyped-def]
    answer = qa.ask("Why was the venue changed?", history=["Where are the talks held?", "Who urged them?"])
    assert answer.kind == "explanation" and "requested that the talks be moved to Oman" in answer.text


def test_a_why_the_articles_do_not_answer_is_declined(qa) -> None:  # type: ignore[no-untyped-def]
    assert not qa.ask("Why did Iran attack Israel?").answerable


def test_the_answer_kind_and_parts_survive_json(qa) -> None:  # type: ignore[no-untyped-def]
    answer = qa.ask("Who voted against the contract?")
    again = Answer.from_dict(answer.to_dict())
    assert again.kind == "list" and [p.text for p in again.parts] == [p.text for p in answer.parts]
    assert Answer.from_dict({"question": "q", "text": "t", "answerable": True, "confidence": 1.0}).kind == "factoid"


def test_a_list_and_an_overview_render_as_lists(qa) -> None:  # type: ignore[no-untyped-def]
    listed = render_answer(qa.ask("Who voted against the contract?"))
    assert listed.count("<li>") >= 2 and "Owen Tasker" in listed
    summary = render_answer(qa.ask("Summarize the Vantor Foods article"))
    assert "aqa-headline" in summary and summary.count("<li>") >= 3


def test_a_written_shaped_answer_sees_only_the_shapes_verified_sentences(qa) -> None:  # type: ignore[no-untyped-def]
    extractive = qa.ask("Who voted against the contract?")
    request = written_request(extractive)
    assert request is not None
    asked, passages = request
    assert INSTRUCTIONS["list"] in asked
    assert {(p.chunk.start, p.chunk.end) for p in passages} == {(c.start, c.end) for c in extractive.citations}
    prompt = build_prompt(asked, passages)
    n = next(iter(prompt.numbering))
    reply = f"- Maureen Pryce [{n}]\n- Owen Tasker [{n}]"
    done = GenerationDone(reply, parse_reply(reply, prompt.numbering), prompt, completion_tokens=5, ttft_s=0.1,
                          tokens_per_s=10.0, total_s=0.5, attempts=1)
    written = answer_from_generation(done, extractive, passages, lambda d: qa.document(d).text, "tiny")
    assert written.generated_by == "tiny" and written.citations
    _assert_pieces_verbatim(qa, written)
    assert written_request(qa.ask("Who is Iran's foreign minister?")) is None


def test_list_scoring_matches_items_once_each() -> None:
    gold = [["Maureen Pryce"], ["Owen Tasker"]]
    assert set_scores(["Maureen Pryce", "Owen Tasker"], gold) == (1.0, 1.0, 1.0)
    p, r, f = set_scores(["Councillors Maureen Pryce", "Maureen Pryce", "Hollis & Brandt"], gold)
    assert p == pytest.approx(1 / 3) and r == pytest.approx(1 / 2) and f == pytest.approx(0.4)
    assert set_scores([], gold) == (0.0, 0.0, 0.0)


def test_overview_coverage_counts_key_sentences_stated() -> None:
    keys = ["The council voted 7 to 2 to award the contract.", "Construction begins in June."]
    assert overview_coverage(["The council voted 7 to 2 to award the contract on Monday."], keys) == 0.5
    assert overview_coverage([], keys) == 0.0


def _article(sentences: list[str]) -> ArticleSentences:
    """An article of the given sentences, one space apart, with no stored vectors (word-overlap similarity)."""
    text, spans = "", []
    for s in sentences:
        spans.append((len(text), len(text) + len(s)))
        text += s + " "
    return ArticleSentences(Document("d", "Headline", text.strip()), spans, np.zeros((0, 0), dtype=np.float32))


def test_an_overview_prefers_a_sentence_that_names_its_subject_to_one_that_points_back() -> None:
    article = _article([
        "The harbour board approved a new ferry terminal for the island town on Monday evening.",
        "The board said the terminal would open to passengers in the spring of next year.",
        "They said the new terminal would cost the island town about four million pounds in total.",
        "Island council leaders said the new terminal would cost the town about four million pounds.",
        "Fishing crews welcomed the plan at a crowded meeting in the old market hall.",
        "A local baker sold pies outside the hall while the meeting ran late into the night.",
    ])
    chosen = [article.text(i) for i in Overview(min_sentences=3, max_sentences=3).select(article)]
    assert chosen[0].startswith("The harbour board")  # the lead always opens
    assert any(t.startswith("Island council leaders") for t in chosen)
    assert not any(t.startswith("They said") for t in chosen)


def test_an_overview_of_a_long_article_takes_more_sentences_than_of_a_short_one() -> None:
    overview = Overview()
    assert overview.sentences_for(4) == 4 and overview.sentences_for(11) == 4
    assert overview.sentences_for(12) == 5 and overview.sentences_for(40) == 5


def _items_of(sentence: str, phrase: str) -> list[str]:
    """The list items the phrase at its first occurrence in ``sentence`` splits into."""
    art = _article([sentence])
    a = sentence.index(phrase)
    np_ = noun_phrase(sentence, a, a + len(phrase))
    assert np_ is not None
    return [sentence[it.start : it.end] for it, _ in split_items(sentence, np_, art, "d", 0, 0.0)]


def test_a_list_splits_two_things_the_parser_reads_as_one_thing_of_two_kinds() -> None:
    assert _items_of("Bakery profits shrank because of the price of flour and sunflower oil.", "flour") == [
        "flour", "sunflower oil"]
    assert _items_of("Arab and Muslim leaders pressed the administration.", "leaders") == ["Arab and Muslim leaders"]


def test_a_phrase_after_the_last_conjunct_stays_with_it() -> None:
    items = _items_of("The shed stored furniture, cardboard packaging and pallets of cleaning supplies.", "furniture")
    assert items[-1] == "pallets of cleaning supplies"


def test_a_name_in_apposition_is_the_list_item() -> None:
    assert _items_of("The company's chief executive, Jane Morrow, resigned on Friday.", "chief executive") == [
        "Jane Morrow"]


def test_an_irregular_past_form_is_its_verb() -> None:
    assert verb_stem("paid") == verb_stem("pay") and verb_stem("bought") == verb_stem("buys")


def test_a_list_question_asks_for_the_doer_only_when_its_wh_phrase_is_the_subject() -> None:
    def doer(q: str) -> bool:
        return _asked(q, classify(q), recognise(q).focus).doer

    assert doer("What groups fund the shelter?") and doer("Which firms won contracts?")
    assert not doer("What goods did the warehouse store?") and not doer("Which roads were closed?")


def test_the_companies_that_bid_include_the_one_that_beat_the_other_bidders(qa) -> None:  # type: ignore[no-untyped-def]
    answer = qa.ask("Which firms bid for the Westmere contract?")
    items = " | ".join(p.text for p in answer.parts)
    assert answer.kind == "list" and "Marrow Civil Works" in items and "Tallis Building Partners" in items
    assert "Hollis & Brandt" in items
    _assert_pieces_verbatim(qa, answer)
    others = qa.ask("Which other firms bid for the Westmere contract?")
    assert others.kind == "list" and not any("Hollis" in p.text for p in others.parts)


def test_a_list_of_what_pays_reads_the_agents_of_paid_for_by(qa) -> None:  # type: ignore[no-untyped-def]
    answer = qa.ask("What funds pay for the library project?")
    items = " | ".join(p.text for p in answer.parts)
    assert answer.kind == "list" and "municipal bond" in items and ("grant" in items or "Heritage Fund" in items)
    _assert_pieces_verbatim(qa, answer)


@pytest.mark.parametrize("opening", ["KELVALE, Norland (Wire) -- ", "PORT ARDEN, Westshire (Wire)  -- ", "(AP) -- ",
                                     "MUSCAT, Oman (AP) \u2014 ", "WASHINGTON \u2014 "])
def test_a_wire_dateline_is_no_list_item(opening: str) -> None:
    sentence = opening + "Britain and France will pull their troops out of the region by May."
    assert _items_of(sentence, "Britain") == ["Britain", "France"]
    place = re.search(r"[A-Z][A-Z ]*[A-Z]", opening).group()  # type: ignore[union-attr]  # "PORT ARDEN", "AP"
    assert all(sentence.index(item) >= len(opening) for item in _items_of(sentence, place))
    start = sentence.index(place)
    assert not well_formed(_article([sentence]), Item("d", 0, start, start + len(place), 0.0))


def test_a_piece_of_a_hyphenated_word_is_no_list_item() -> None:
    sentence = "Mayor-elect Dana Whitlow and council leader Sam Ortiz met the residents."
    art = _article([sentence])
    elect = sentence.index("elect")
    assert not well_formed(art, Item("d", 0, elect, elect + len("elect"), 0.0))
    assert well_formed(art, Item("d", 0, 0, len("Mayor-elect Dana Whitlow"), 0.0))
