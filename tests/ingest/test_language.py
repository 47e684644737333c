"""The reader reads English: a document in another language is detected when it is indexed, named in the
index summary and the Library, and an answer read from it is still attempted but says so."""

from __future__ import annotations

import html

import pytest

from articleqa import Assistant
from articleqa.cli import main
from articleqa.ingest.language import META_KEY, detect_language

SPANISH_PAGE = """<!doctype html><html lang="es"><head><meta charset="utf-8"><title>Nueva biblioteca</title></head>
<body><article><h1>Westmere elige constructora para la nueva biblioteca central</h1>
<p>El ayuntamiento de Westmere aprobó el lunes, por siete votos contra dos, un contrato de 38,5 millones de
dólares para construir la nueva biblioteca central.</p>
<p>La obra estará a cargo de la empresa Hollis y Brandt, con sede en la ciudad vecina de Arnsworth. Las obras
comenzarán en junio y deberían terminar a finales de 2028.</p>
<p>La antigua biblioteca de la calle Carver, inaugurada en 1962, cerró el año pasado después de que los
ingenieros encontraran grietas en las vigas del techo.</p></article></body></html>"""

ENGLISH = ("Harbour news\n\nThe harbour board met on Tuesday and approved a budget of 4.2 million dollars for "
           "new cranes. The chair said the work would start in spring and finish within two years, and that "
           "the old cranes would be sold to a port in the north.\n")


@pytest.fixture(scope="module")
def mixed(tmp_path_factory):
    folder = tmp_path_factory.mktemp("mixed")
    (folder / "pagina.html").write_text(SPANISH_PAGE, encoding="utf-8")
    (folder / "harbour.txt").write_text(ENGLISH, encoding="utf-8")
    return folder


@pytest.mark.parametrize("text, code", [
    ("El ayuntamiento aprobó el lunes un contrato de 38,5 millones de dólares para construir la nueva biblioteca "
     "central, y las obras comenzarán en junio según el alcalde de la ciudad.", "es"),
    ("Le conseil municipal a approuvé lundi un contrat de 38,5 millions de dollars pour construire la nouvelle "
     "bibliothèque centrale, et les travaux commenceront en juin selon le maire.", "fr"),
    (ENGLISH, "en"),
])
def test_the_language_of_a_text_is_detected(text, code):
    assert detect_language(text) == code


def test_a_few_words_are_too_little_to_tell():
    assert detect_language("Hola, ¿qué tal?") is None


def test_the_bundled_english_articles_are_detected_as_english(qa):
    assert {d.language for d in qa.documents()} == {"en"}


def test_a_spanish_page_is_named_in_the_index_summary(mixed, tmp_path, capsys):
    assert main(["index", str(mixed), "--index-dir", str(tmp_path / "idx"), "--no-progress"]) == 0
    out = capsys.readouterr().out
    assert "indexed 2 new document(s)" in out
    assert "; 1 not in English: pagina.html (Spanish) — the reader reads English" in out
    docs = Assistant.open(tmp_path / "idx").documents()
    assert sorted(d.language or "" for d in docs) == ["en", "es"]


def test_an_answer_from_a_spanish_page_is_attempted_and_says_the_reader_reads_english(mixed, tmp_path):
    qa = Assistant.build([str(mixed)], index_dir=tmp_path / "idx")
    spanish = next(d for d in qa.documents() if d.language == "es")
    assert qa.document(spanish.doc_id).metadata[META_KEY] == "es"
    answer = qa.ask("How much is the library contract worth?", doc_ids=[spanish.doc_id])
    assert answer.passages  # attempted: the Spanish passages were read
    assert answer.notice and "is in Spanish" in answer.notice and "the reader reads English" in answer.notice
    english = qa.ask("What did the harbour board approve?")
    assert english.notice is None or "Spanish" not in english.notice


def test_the_library_and_the_chat_name_the_language(mixed, tmp_path):
    from articleqa.ui import build_app, render_answer
    from articleqa.ui.library import Library, document_rows

    qa = Assistant.build([str(mixed / "harbour.txt")], index_dir=tmp_path / "idx")
    library = Library(qa, tmp_path / "uploads", 50)
    *_, last = list(library.index_files([str(mixed / "pagina.html")]))
    status = html.unescape(last[0])
    assert "pagina.html: added" in status and "it is in Spanish; the reader reads English" in status
    rows = document_rows(qa.documents())
    assert any(row[0].endswith("(in Spanish)") for row in rows) and not any("English" in row[0] for row in rows)
    build_app(qa)  # the app still builds over a mixed library
    answer = qa.ask("How much is the library contract worth?",
                    doc_ids=[d.doc_id for d in qa.documents() if d.language == "es"])
    assert "the reader reads English" in html.unescape(render_answer(answer))
