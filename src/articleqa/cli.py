"""The `articleqa` command. Talks only to the Assistant; bad input → one line on stderr, exit 2."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

from .answer.about import metadata_note
from .config import Settings
from .errors import ArticleQAError
from .filters import Filters
from .ingest.language import language_name, not_english

EXIT_OK, EXIT_USAGE = 0, 2
EXIT_PIPE = 128 + 13  # the reader of stdout went away (SIGPIPE), as `seq 1 100000 | head -1` reports it


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see `{self.prog} --help`)\n")


def _llm_options(sp: argparse.ArgumentParser) -> None:
    sp.add_argument("--llm-url", default=None, metavar="URL",
                    help="an OpenAI-compatible server writes the answer, e.g. http://127.0.0.1:8080/v1 "
                         "(off by default; key from ARTICLEQA_LLM_API_KEY)")
    sp.add_argument("--llm-model", default=None, metavar="NAME", help="the model that server serves")


def _index_options(sp: argparse.ArgumentParser) -> None:
    sp.add_argument("--index-dir", default=None, help="index folder (default: ./index or ARTICLEQA_INDEX_DIR)")
    sp.add_argument("--store", default=None, metavar="URI",
                    help="keep the index on a Milvus server instead: milvus://HOST:PORT[/COLLECTION] "
                         "(token from ARTICLEQA_MILVUS_TOKEN; default: the embedded index in --index-dir)")


def _add_index(sub: Any) -> None:
    sp = sub.add_parser("index", help="add files or folders to the index")
    sp.add_argument("paths", nargs="*", metavar="PATH")
    _index_options(sp)
    sp.add_argument("--model", default=None, help="sentence-transformers model name or path")
    sp.add_argument("--rebuild", action="store_true", help="discard the existing index first (re-reads its sources)")
    sp.add_argument("--json", action="store_true", help="print the report as JSON")
    sp.add_argument("--no-progress", action="store_true")


def _add_ask(sub: Any) -> None:
    sp = sub.add_parser("ask", help="ask one question")
    sp.add_argument("question")
    _index_options(sp)
    sp.add_argument("--history", nargs="*", default=None, metavar="Q", help="earlier questions of the chat, oldest first")
    sp.add_argument("--doc-id", action="append", default=None, dest="doc_ids", help="only search this document")
    sp.add_argument("--source", action="append", default=None, dest="sources", metavar="S",
                    help="only documents whose file path, file name or URL contains S (any case; repeat for more)")
    sp.add_argument("--author", action="append", default=None, dest="authors", metavar="A",
                    help="only documents whose author contains A (any case; repeat for more)")
    sp.add_argument("--after", default=None, metavar="DATE",
                    help="only documents published on or after DATE (YYYY-MM-DD, YYYY-MM or YYYY)")
    sp.add_argument("--before", default=None, metavar="DATE",
                    help="only documents published on or before DATE (YYYY-MM-DD, YYYY-MM or YYYY)")
    sp.add_argument("--top-k", type=int, default=None)
    sp.add_argument("--json", action="store_true", help="print the Answer as JSON")
    _llm_options(sp)


def _add_library(sub: Any) -> None:
    sp = sub.add_parser("docs", help="list indexed documents")
    _index_options(sp)
    sp.add_argument("--json", action="store_true")
    sp = sub.add_parser("remove", help="remove a document by id")
    sp.add_argument("doc_id")
    _index_options(sp)
    sp = sub.add_parser("serve", help="start the web UI")
    _index_options(sp)
    sp.add_argument("--host", default="127.0.0.1")
    sp.add_argument("--port", type=int, default=7860)
    sp.add_argument("--auth", default=None, help="user:password for the login (or ARTICLEQA_AUTH)")
    _llm_options(sp)


def _add_eval(sub: Any) -> None:
    sp = sub.add_parser("eval", help="score answers over a question set or a SQuAD-format dataset")
    sp.add_argument("--dataset", required=True)
    _index_options(sp)
    sp.add_argument("--out", default=None, help="report folder (default: eval/reports/<dataset name>)")
    sp.add_argument("--limit", type=int, default=None)
    sp.add_argument("--seed", type=int, default=0)
    sp.add_argument("--fusion", default=None, choices=["rrf", "weighted", "dense", "bm25"])
    sp.add_argument("--setting", default="both", choices=["both", "per-story", "corpus"],
                    help="SQuAD-format datasets: score each question within its own story, over the whole corpus, "
                         "or both (default; one of them halves the time, e.g. with --llm-url)")
    sp.add_argument("--json", action="store_true", help="print report.json")
    _llm_options(sp)


def _add_bench(sub: Any) -> None:
    sp = sub.add_parser("bench", help="run the benchmarks and write bench.json / bench.md")
    _index_options(sp)
    sp.add_argument("--out", default="bench")
    sp.add_argument("--quick", action="store_true", help="small scales only (a smoke run)")
    sp.add_argument("--load", action="store_true", help="also run the concurrent-users load test")
    sp.add_argument("--articles", default=None, metavar="PATH",
                    help="folder or file of articles to index (default: ./articles)")
    sp.add_argument("--questions", default=None, metavar="FILE",
                    help="JSONL question set for the articles (default: ./eval/questions.jsonl with the default "
                         "articles)")
    sp.add_argument("--newsqa", default=None, metavar="FILE",
                    help="SQuAD-format NewsQA file (default: ../shared/datasets/newsqa-dev.json; skipped if absent)")
    sp.add_argument("--milvus", action="store_true",
                    help="add the Milvus section: NewsQA and 100k/1M synthetic chunks on Milvus vs embedded FAISS "
                         "(on --store's server, else one started here in `unshare -n`, which needs root)")
    sp.add_argument("--milvus-sizes", default=None, metavar="N,N", help="synthetic sizes of that section")
    _llm_options(sp)


def _parser() -> argparse.ArgumentParser:
    p = _Parser(prog="articleqa", description="Ask questions about your articles; answers come with verbatim quotes.")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)
    for add in (_add_index, _add_ask, _add_library, _add_eval, _add_bench):
        add(sub)
    return p


def _print_json(data: Any) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=2))


def _cmd_index(args: argparse.Namespace, settings: Settings) -> int:
    from .assistant import Assistant
    from .store import open_store

    paths = list(args.paths)
    if args.rebuild and not paths:
        # a file given as --index-dir is its own error, said as such
        store = open_store(settings)
        try:
            paths = list(store.manifest().get("sources", []))
        except ArticleQAError:
            paths = []
        if not paths:
            raise ArticleQAError("--rebuild needs the PATHs to index (the old index does not say where they were)")
    if not paths:
        raise ArticleQAError("give at least one file or folder to index, e.g. `articleqa index articles/`")
    import logging

    # pypdf logs its own complaint about a damaged file ("EOF marker not found") to stderr; the "skipped"
    # line below already names the file and the reason, so keep it to one line per problem.
    logging.getLogger("pypdf").setLevel(logging.CRITICAL)
    from .progress import progress_for

    bars = progress_for(not args.no_progress and not args.json, terminal=sys.stderr.isatty())
    qa = Assistant.build(paths, settings=settings, progress=bars, rebuild=args.rebuild)
    report = qa.last_report
    if args.json:
        _print_json(report.to_dict())
    else:
        print(index_summary(report, qa.info(), settings.location))
        for old in report.replaced:
            print(f"replaced the older version of {old.source} [{old.doc_id}]")
        for s in report.skipped:
            print(f"skipped {s.path}: {s.reason}", file=sys.stderr)
    return EXIT_OK if report.added or report.duplicates or report.replaced or report.left_out else EXIT_USAGE


def index_summary(report: Any, info: dict[str, Any], location: str) -> str:
    """The one line an ``index`` run ends with: what was added, what the index now holds, and how many files
    needed nothing (counted, not listed: re-indexing a folder of 500 unchanged files is one line, not 500)."""
    rate = report.n_sentences_embedded / report.seconds if report.seconds else 0.0
    line = (f"indexed {len(report.added)} new document(s), {report.n_chunks} chunk(s), "
            f"{report.n_sentences_embedded:,} sentence(s) embedded ({rate:,.0f}/s) in {report.seconds:.1f}s "
            f"→ {location} now holds {info.get('n_documents', 0)} document(s), {info.get('n_chunks', 0)} chunk(s)")
    if report.duplicates:
        line += f"; {len(report.duplicates)} already indexed (no change)"
    foreign = [(d, code) for d in report.added if (code := not_english(d.metadata))]
    if foreign:
        names = ", ".join(f"{Path(d.source).name if d.source else d.title} ({language_name(code)})"
                          for d, code in foreign[:3])
        more = f" and {len(foreign) - 3} more" if len(foreign) > 3 else ""
        line += (f"; {len(foreign)} not in English: {names}{more} — the reader reads English, so answers from "
                 f"{'it' if len(foreign) == 1 else 'them'} may be wrong or missing")
    if report.left_out:
        names = ", ".join(Path(d.source).name if d.source else d.title for d in report.left_out[:3])
        more = f" and {len(report.left_out) - 3} more" if len(report.left_out) > 3 else ""
        line += (f"; {len(report.left_out)} left out because removed earlier ({names}{more}; "
                 "`articleqa index FILE` with the file's own path adds one back)")
    return line


def _format_answer(answer: Any, scope: str = "") -> str:
    """The answer for a terminal; ``scope`` describes the filters the search was restricted to."""
    if answer.generated_by and answer.answerable:
        head = f"{answer.text}  (written by {answer.generated_by}; [n] = the quote below)"
    elif answer.answerable:
        head = f"{answer.text}  ({answer.confidence_label} confidence, {answer.confidence:.2f})"
    else:
        head = f"{answer.text} (closest passages below)"
    if answer.answerable and not answer.generated_by and answer.kind in {"list", "overview"} and answer.parts:
        head = f"{answer.kind}  ({answer.confidence_label} confidence, {answer.confidence:.2f})"
        for p in answer.parts:
            marks = "".join(f"[{n}]" for n in p.cites)
            head += f"\n{p.text} {marks}" if p.heading else f"\n  - {' '.join(p.text.split())} {marks}"
    lines = [head]
    if answer.rewritten_question:
        lines.append(f"(understood as: {answer.rewritten_question})")
    if scope:
        lines.append(f"(only documents with {scope})")
    for c in answer.citations:
        if c.kind == "metadata":
            lines.append(f"  [{c.n}] {metadata_note(c)} — {c.title} ({c.source})")
            continue
        lines.append(f"  [{c.n}] “{c.quote}” — {c.title} ({c.source}, {c.published or 'date unknown'}, "
                     f"chars {c.start}–{c.end})")
    if not answer.answerable:
        for p in answer.passages[:2]:
            snippet = " ".join(p.chunk.text.split())[:160]
            lines.append(f"  · {snippet}… — {p.title}")
    return "\n".join(lines)


def _cmd_ask(args: argparse.Namespace, settings: Settings) -> int:
    from .ask import AskRequest
    from .assistant import Assistant

    # A bad question or date is refused before the index and the models are loaded (the date named as the
    # option it came from); the question with the API's and the UI's own limit and message.
    filters = Filters.of(args.sources, args.authors, args.after, args.before, after_name="--after",
                         before_name="--before")
    request = AskRequest.checked(args.question, filters, doc_ids=args.doc_ids, top_k=args.top_k,
                                 history=args.history)
    qa = Assistant.open(settings=settings)
    if args.doc_ids:  # the API only refuses a filter that matches nothing; a mistyped id here is a mistake
        known = {d.doc_id for d in qa.documents()}
        unknown = [d for d in args.doc_ids if d not in known]
        if unknown:
            raise ArticleQAError(
                f"no document {', '.join(map(repr, unknown))} in {qa.where}; "
                f"`articleqa docs {'--store' if settings.store else '--index-dir'} {qa.where}` lists the ids"
            )
    answer = None
    streamed = False
    for item in qa.stream(request):
        if isinstance(item, str):
            if not args.json:  # the written answer as it arrives; the final one, with its sources, follows
                print(item, end="", flush=True)
                streamed = True
        else:
            answer = item
    assert answer is not None
    if streamed:
        print("\n", flush=True)
    if answer.notice:
        print(f"articleqa: note: {answer.notice}", file=sys.stderr)
    print(json.dumps(answer.to_dict(), ensure_ascii=False, indent=2) if args.json
          else _format_answer(answer, filters.describe()))
    return EXIT_OK


def _cmd_docs(args: argparse.Namespace, settings: Settings) -> int:
    from .assistant import Assistant

    docs = Assistant.open(settings=settings).documents()
    if args.json:
        _print_json([d.to_dict() for d in docs])
    else:
        for d in docs:
            print(f"{d.doc_id}  {d.n_chunks:>4} chunks  {d.title}  ({d.source})")
        print(f"{len(docs)} document(s)")
    return EXIT_OK


def _cmd_remove(args: argparse.Namespace, settings: Settings) -> int:
    from .assistant import Assistant

    if not Assistant.open(settings=settings).remove(args.doc_id):
        raise ArticleQAError(f"no document {args.doc_id!r} in the index; `articleqa docs` lists the ids")
    print(f"removed {args.doc_id}")
    return EXIT_OK


def _cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    from .server import serve

    serve(settings=settings, host=args.host, port=args.port, auth=args.auth)
    return EXIT_OK


def _cmd_eval(args: argparse.Namespace, settings: Settings) -> int:
    from .evaluate import evaluate, summary_table

    if not Path(args.dataset).is_file():
        raise ArticleQAError(f"dataset {args.dataset!r} not found; give a .jsonl question set or a SQuAD .json file")
    out = args.out or str(Path("eval") / "reports" / Path(args.dataset).stem)
    which = {"both": ("per_doc", "corpus"), "per-story": ("per_doc",), "corpus": ("corpus",)}[args.setting]
    report = evaluate(args.dataset, index_dir=args.index_dir, out=out, limit=args.limit, seed=args.seed,
                      settings=settings, progress=not args.json and sys.stderr.isatty(), squad_settings=which)
    if args.json:
        _print_json(report)
    else:
        print(summary_table(report))
        print(f"report written to {out}/report.md")
    return EXIT_OK


def _cmd_bench(args: argparse.Namespace, settings: Settings) -> int:
    from .bench import run_bench

    run_bench(out=args.out, index_dir=args.index_dir, quick=args.quick, load=args.load, articles=args.articles,
              questions=args.questions, newsqa=args.newsqa, settings=settings.with_(store=""),
              milvus=(settings.store or "") if args.milvus or settings.store else None,
              milvus_scales=[int(n) for n in args.milvus_sizes.split(",")] if args.milvus_sizes else None)
    return EXIT_OK


COMMANDS = {
    "index": _cmd_index, "ask": _cmd_ask, "docs": _cmd_docs, "remove": _cmd_remove,
    "serve": _cmd_serve, "eval": _cmd_eval, "bench": _cmd_bench,
}


def _settings(args: argparse.Namespace) -> Settings:
    """The one Settings of this command: the environment, then the command's own options."""
    return Settings.from_env(
        index_dir=getattr(args, "index_dir", None), store=getattr(args, "store", None),
        model=getattr(args, "model", None),
        fusion=getattr(args, "fusion", None), llm_url=getattr(args, "llm_url", None),
        llm_model=getattr(args, "llm_model", None),
    )


def main(argv: Sequence[str] | None = None) -> int:
    """The command line; a reader that stops early (``articleqa ask … | head -1``) ends it quietly."""
    try:
        try:
            return _main(argv)
        finally:
            sys.stdout.flush()  # here, not at interpreter exit, where a closed pipe becomes "Exception ignored"
    except BrokenPipeError:
        # The reader has what it wanted. Point stdout at /dev/null so the interpreter's own final flush cannot
        # fail again, and exit as a program killed by SIGPIPE would (Python ignores that signal).
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
        return EXIT_PIPE


def _main(argv: Sequence[str] | None) -> int:
    args = _parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args, _settings(args))
    except ArticleQAError as exc:
        print(f"articleqa: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("articleqa: interrupted", file=sys.stderr)
        return 130
