"""highlight: everything escaped, only our <mark> emitted, spans clipped and merged."""

from __future__ import annotations

import html
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from articleqa.highlight import escape, highlight, merge_spans


def _strip_ours(out: str, tag: str = "mark") -> str:
    return re.sub(rf"</?{tag}(?: class=\"[a-z-]+\")?>", "", out)


def test_plain_text_is_escaped() -> None:
    out = highlight('<script>alert("x")</script> & <img src=x onerror=alert(1)>', [])
    assert "<" not in out and ">" not in out
    assert "&lt;script&gt;" in out
    assert html.unescape(out) == '<script>alert("x")</script> & <img src=x onerror=alert(1)>'


def test_mark_placement() -> None:
    text = "The talks are now scheduled to take place in Muscat, with Iran's foreign minister."
    start = text.index("Muscat")
    out = highlight(text, [(start, start + len("Muscat"))])
    assert "<mark>Muscat</mark>" in out
    assert out.count("<mark>") == 1 and out.count("</mark>") == 1
    assert html.unescape(_strip_ours(out)) == text


def test_marked_text_is_escaped_too() -> None:
    out = highlight("a <b>bold</b> c", [(2, 13)])
    assert out == "a <mark>&lt;b&gt;bold&lt;/b&gt;</mark> c"


def test_overlapping_and_touching_spans_merge() -> None:
    out = highlight("abcdefghij", [(2, 5), (4, 7), (7, 8)])
    assert out == "ab<mark>cdefgh</mark>ij"


def test_out_of_range_and_empty_spans() -> None:
    assert highlight("abc", [(-5, 1), (2, 99)]) == "<mark>a</mark>b<mark>c</mark>"
    assert highlight("abc", [(5, 9), (2, 2), (3, 1)]) == "abc"
    assert highlight("", [(0, 3)]) == ""


def test_css_class_and_tag() -> None:
    assert highlight("abc", [(0, 1)], css_class="aqa-answer") == '<mark class="aqa-answer">a</mark>bc'
    assert highlight("abc", [(0, 1)], tag="strong") == "<strong>a</strong>bc"
    with pytest.raises(ValueError):
        highlight("abc", [(0, 1)], tag="script")


def test_markdown_and_template_syntax_is_inert() -> None:
    text = "[x](javascript:alert(1)) **b** `c` ${x} {{y}} http://e.com a@b.c # h | t ~~s~~ _i_ \\"
    out = escape(text)
    bare = re.sub(r"&(?:#[0-9]+|[a-z]+);", "", out)
    for ch in "[]()*`${}#|~_\\:@&<>":
        assert ch not in bare, ch
    assert html.unescape(out) == text


def test_merge_spans() -> None:
    assert merge_spans([(5, 3), (0, 2), (1, 4), (8, 20)], 10) == [(0, 4), (8, 10)]


SPANS = st.lists(st.tuples(st.integers(-20, 220), st.integers(-20, 220)), max_size=6)


@settings(max_examples=300, deadline=None)
@given(text=st.text(max_size=200), spans=SPANS)
def test_property_only_our_tags_and_text_round_trips(text: str, spans: list[tuple[int, int]]) -> None:
    out = highlight(text, spans)
    stripped = out.replace("<mark>", "").replace("</mark>", "")
    assert "<" not in stripped and ">" not in stripped
    assert html.unescape(stripped) == text
    # marks are balanced, not nested, and cover exactly the merged spans
    assert re.fullmatch(r"[^<]*(<mark>[^<]*</mark>[^<]*)*", out)
    marked = [html.unescape(m) for m in re.findall(r"<mark>([^<]*)</mark>", out)]
    assert marked == [text[s:e] for s, e in merge_spans(spans, len(text))]


@settings(max_examples=200, deadline=None)
@given(text=st.text(alphabet=st.characters(codec="utf-8"), max_size=120))
def test_property_escape_is_inert(text: str) -> None:
    out = escape(text)
    assert not set(re.sub(r"&(?:#[0-9]+|[a-z]+);", "", out)) & set("<>\"'`*_[](){}$\\|~#&")
    assert html.unescape(out) == text
