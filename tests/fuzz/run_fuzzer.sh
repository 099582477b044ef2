#!/bin/sh
# Runs one libFuzzer target for a bounded time from its seed corpus (ctest "fuzz: <target>").
# usage: run_fuzzer.sh FUZZER SOURCE_DIR WORK_DIR SECONDS
# New corpus entries go to WORK_DIR/<target>/corpus (not the seed folder). On a finding it
# prints the reproducer and how to keep it as a regression case, and exits non-zero.
set -u
fuzzer=$1 source_dir=$2 work_dir=$3 seconds=$4
target=$(basename "$fuzzer")
seeds=$source_dir/tests/fuzz/corpus/$target
dict=$source_dir/tests/fuzz/$target.dict
work=$work_dir/$target
mkdir -p "$work/corpus" "$work/findings"
rm -f "$work"/findings/*
set -- -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=16384 \
  -print_final_stats=1 -artifact_prefix="$work/findings/"
[ -f "$dict" ] && set -- "$@" -dict="$dict"
"$fuzzer" "$@" "$work/corpus" "$seeds"
status=$?
if [ "$status" -ne 0 ]; then
  for finding in "$work"/findings/*; do
    [ -f "$finding" ] || continue
    echo "fuzz: $target found $finding"
    echo "  reproduce: $fuzzer $finding"
    echo "  keep it:   cp $finding $seeds/regression-<what-it-shows>"
  done
fi
exit "$status"
