#!/usr/bin/env bash
# Train reader candidates on a remote GPU machine that has PyTorch + transformers but no internet (docs/training.md).
# Runs from the repository root there, with build/remote/ carried along (base/ fp16 weights, prepared sets, eval/).
# Stage 1 trains the recipes below side by side on the one GPU; stage 2 (if time is left) distils the best two
# into one student. The best three by their own learning-curve numbers are cut into <= 16 MiB pieces in $OUT.
set -uo pipefail
R=${R:-build/remote}
OUT=${OUT:-build/remote/out}
BUDGET=${BUDGET:-540}          # seconds this script may take in all
START=$(date +%s)
mkdir -p "$OUT" /tmp/runs
export PYTHONPATH=src PYTHONUNBUFFERED=1 HF_HUB_OFFLINE=1 TOKENIZERS_PARALLELISM=false
DEVICE=${DEVICE:-cuda}
PY=${PY:-python3}
EXTRA=${EXTRA:-}               # e.g. "--max-steps 4 --eval-newsqa 4" for a dry run on a CPU
common="--base $R/base --newsqa $R/eval/newsqa-dev.json --squad2 $R/eval/squad2-dev-sample.json --device $DEVICE \
  --eval-newsqa 400 --eval-every 2500 --threads 4 $EXTRA"
(nvidia-smi -L || true) > "$OUT/stage.log" 2>&1
train() {  # name, then its own flags
  local name=$1; shift
  $PY -m articleqa.training.train --out /tmp/runs/$name $common "$@" > /tmp/runs/$name.log 2>&1
  echo "$name exit $? after $(( $(date +%s) - START )) s" >> "$OUT/stage.log"
}
# A: every paragraph-level source, look-alike negatives at the v1 shares
train A --prepared $R/main.json.gz --keep-negatives 0.6 &
# B: A + QAMR (one-sentence news/Wikipedia questions): does a different task shape help?
train B --prepared $R/main.json.gz,$R/qamr.json.gz --keep-negatives 0.6 &
# C: A with all made-up negatives and the people-written unanswerables three times: abstention first
train C --prepared $R/main.json.gz --unanswerable-weight 3 &
# D: C, seed 29 (a second teacher, and the seed-to-seed spread)
train D --prepared $R/main.json.gz --unanswerable-weight 3 --seed 29 &
wait
score() {  # a run's ranking number: NewsQA F1 + SQuAD2 overall F1 + held-aside overall F1, at its last point
  $PY - "$1" <<'PY'
import json, sys
lines = [json.loads(l) for l in open(f"/tmp/runs/{sys.argv[1]}/curve.jsonl") if l.strip()]
p = lines[-1]
main = [v["f1_overall_at_0"] for k, v in p.get("heldout_by_source", {}).items() if not k.startswith("qamr")]
held = sum(main) / len(main) if main else p.get("heldout", {}).get("f1_overall_at_0", 0.0)  # the same slices for every recipe
print(round(p.get("newsqa_dev", {}).get("f1_answerable_best_span", 0.0)
            + p.get("squad2_dev_sample", {}).get("f1_overall_at_0", 0.0) + held, 4))
PY
}
ranked=$(for r in A B C D; do [ -f /tmp/runs/$r/curve.jsonl ] && echo "$(score $r) $r"; done | sort -rn)
echo "stage 1 ranking: $ranked" >> "$OUT/stage.log"
if [ -n "$ranked" ] && [ $(( BUDGET - ($(date +%s) - START) )) -ge 240 ]; then
  t1=$(echo "$ranked" | sed -n 1p | cut -d' ' -f2); t2=$(echo "$ranked" | sed -n 2p | cut -d' ' -f2)
  best_flags=$($PY -c "import json;c=json.load(open('/tmp/runs/$t1/config.json'));print('--prepared',c['prepared'],'--keep-negatives',c['keep_negatives'],'--unanswerable-weight',c['unanswerable_weight'])")
  timeout $(( BUDGET - ($(date +%s) - START) - 60 )) $PY -m articleqa.training.train --out /tmp/runs/E $common \
    $best_flags --seed 41 --epochs 1.5 --teachers /tmp/runs/$t1/latest,/tmp/runs/$t2/latest > /tmp/runs/E.log 2>&1
  echo "E exit $? after $(( $(date +%s) - START )) s (teachers $t1 $t2)" >> "$OUT/stage.log"
  [ -f /tmp/runs/E/curve.jsonl ] && ranked=$(printf "%s\n%s" "$ranked" "$(score E) E" | sort -rn)
  echo "with E: $ranked" >> "$OUT/stage.log"
fi
for r in $(echo "$ranked" | head -3 | cut -d' ' -f2); do
  $PY -m articleqa.training.pieces cut /tmp/runs/$r/latest --out /tmp/pieces --name $r > /dev/null 2>&1
  mv /tmp/pieces/$r.safetensors.part* "$OUT/"
done
tar -czf "$OUT/meta.tgz" -C /tmp pieces $(cd /tmp && ls -d runs/*.log runs/*/curve.jsonl runs/*/config.json 2>/dev/null)
echo "done after $(( $(date +%s) - START )) s" >> "$OUT/stage.log"
cat "$OUT/stage.log"
