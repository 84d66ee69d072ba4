#!/usr/bin/env bash
# Runs bench_c against a fresh local cluster (3 primaries, 3 replicas, no auth) and stops
# the cluster however the run ends.
#
# usage: run-bench.sh BENCH_C TESTCLUSTER SUMMARY_MD   (N from SLOTWISE_BENCH_N, default 100000)
set -euo pipefail
bench=$1
testcluster=$2
summary=$3
n=${SLOTWISE_BENCH_N:-100000}

dir=$(mktemp -d "${TMPDIR:-/tmp}/slotwise-c-bench.XXXXXX")
cleanup() { "$testcluster" down --dir "$dir" >/dev/null 2>&1 || rm -rf "$dir"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

json=$("$testcluster" up --json --dir "$dir")
seed=$(grep -o '"seeds":\[[^]]*\]' <<<"$json" | grep -oE '[0-9.]+:[0-9]+' | head -n 1)
mkdir -p "$(dirname "$summary")"
echo "bench cluster: seed $seed, $n keys"
"$bench" "$seed" "$n" "$(command -v redis-benchmark)" "$summary"
echo "summary written to $summary"
