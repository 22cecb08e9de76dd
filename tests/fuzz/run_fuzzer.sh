#!/usr/bin/env bash
# Runs one libFuzzer target for a time from a seed corpus; prints executions, coverage and findings.
#   tests/fuzz/run_fuzzer.sh <fuzzer> <seed corpus> <work corpus> <artifact folder/> <seconds> [libFuzzer flags]
# The seeds are read, never written; new inputs go to the work corpus (kept between runs). Exit
# status: libFuzzer's (non-zero when it found a crash, leak, timeout or out-of-memory, whose input is
# then in the artifact folder).
set -uo pipefail
fuzzer=$1 seeds=$2 work=$3 artifacts=$4 seconds=$5
shift 5
mkdir -p "$work" "$artifacts"
log="$artifacts/last_run.log"
# -rss_limit_mb: the readers must stay far below it on any input (bounded memory);
# -timeout: one input taking longer than 10 s is a finding.
# CNNBENCH_FUZZ_SEED (CI sets 1): libFuzzer's random seed, so a smoke run mutates the same inputs in the
# same order every time and CI does not pass or fail by the luck of the draw (only by the machine's speed,
# which sets how far into that sequence 30 seconds get).
seed_flag=()
[[ -n "${CNNBENCH_FUZZ_SEED:-}" ]] && seed_flag=(-seed="$CNNBENCH_FUZZ_SEED")
"$fuzzer" -max_total_time="$seconds" -print_final_stats=1 -rss_limit_mb=1024 -timeout=10 \
  -artifact_prefix="$artifacts" "${seed_flag[@]}" "$@" "$work" "$seeds" >"$log" 2>&1
rc=$?
name=$(basename "$fuzzer")
execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)
cov=$(grep -E '^#[0-9]+' "$log" | grep -o 'cov: [0-9]* ft: [0-9]*' | tail -1)
corpus=$(find "$work" -type f | wc -l)
found=$(find "$artifacts" -type f \( -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' -o -name 'oom-*' \) | wc -l)
echo "$name: ${seconds}s, ${execs:-?} executions, ${cov:-cov: ?}, corpus $corpus inputs, findings in $artifacts: $found, exit $rc"
if [[ $rc -ne 0 ]]; then
  grep -E 'ERROR|SUMMARY|Test unit written|deadly signal|out-of-memory|timeout' "$log" | head -20
fi
exit $rc
