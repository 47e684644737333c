#!/usr/bin/env bash
# The test tiers as a newcomer meets them: a fresh clone of this repository, the install from scratch, then
# `make test` and `make test-all` ROUNDS times in a row, the last round beside two busy-loop processes (the
# machines here are shared). Times go to OUT/times.log, each command's output to OUT/*.out.
# Usage: scripts/test-tiers-fresh.sh [OUT (default /tmp/test-tiers)] [ROUNDS (default 3)]
set -u
REPO=$(cd "$(dirname "$0")/.." && pwd)
OUT=${1:-/tmp/test-tiers}
ROUNDS=${2:-3}
mkdir -p "$OUT"
LOG=$OUT/times.log
CLONE=$OUT/clone
rm -rf "$CLONE"
git clone -q "$REPO" "$CLONE" && cd "$CLONE" || exit 2
echo "commit $(git rev-parse --short HEAD) $(date -u +%FT%TZ)" >> "$LOG"
timed() {  # timed NAME COMMAND...: run it, log its exit code, wall time and pytest's summary lines
  local name=$1; shift
  local t0; t0=$(date +%s)
  "$@" > "$OUT/$name.out" 2>&1
  local rc=$?
  echo "$name rc=$rc $(( $(date +%s) - t0 )) s | $(grep -E '(passed|failed).* in [0-9.]+s' "$OUT/$name.out" | tr '\n' ' ')" >> "$LOG"
}
timed install make .venv/.installed-dev
timed llm-server make llm-server
for round in $(seq 1 "$ROUNDS"); do
  loops=""
  if [ "$round" = "$ROUNDS" ]; then
    for _ in 1 2; do ( while :; do :; done ) & loops="$loops $!"; done
    echo "round $round beside two busy loops" >> "$LOG"
  fi
  timed "round$round-test" make test
  timed "round$round-test-all" make test-all
  [ -n "$loops" ] && kill $loops
done
echo "done $(date -u +%FT%TZ)" >> "$LOG"
