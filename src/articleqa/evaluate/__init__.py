"""The evaluation harness: ask a question set, score every answer, write report.json/report.md and plots.

The numbers are recomputed from first principles (quotes re-checked against the stored text, golds matched
with the SQuAD normalisation), never copied from what an Answer says about itself. The question-set formats,
the two settings and every report key are described in docs/evaluation.md.

Modules by job: :mod:`.datasets` reads question sets, :mod:`.running` asks them on an Assistant,
:mod:`.scoring` turns answers into rows and metrics, :mod:`.report` and :mod:`.plots` write the files.
"""

from __future__ import annotations

from .datasets import CORPUS, PER_DOC, EvalDataset, EvalQuestion, load_dataset, sample_questions
from .report import summary_table, worst_questions, write_report
from .running import evaluate
from .scoring import aggregate

__all__ = [
    "CORPUS",
    "PER_DOC",
    "EvalDataset",
    "EvalQuestion",
    "aggregate",
    "evaluate",
    "load_dataset",
    "sample_questions",
    "summary_table",
    "worst_questions",
    "write_report",
]
