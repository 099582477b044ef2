#!/bin/sh
# ctest runs every JavaScript test through this script. A missing prerequisite FAILS the test
# with what to install: a skipped browser test would let a broken view pass unnoticed.
#
# usage: node_test.sh NODE SOURCE_DIR TEST_FILE [--browser]
#   NODE        node found at configure time (a *-NOTFOUND value when there was none)
#   --browser   also needs playwright-core (npm ci) and Chromium ($STAGEDOOR_CHROMIUM or
#               /usr/lib/chromium/chromium, the path tests/browser/lib.mjs starts)
node=$1
source_dir=$2
test_file=$3

fail() {
    echo "FAILED, not skipped: $1" >&2
    exit 1
}

[ -x "$node" ] || fail "node was not found when CMake ran (install nodejs, e.g. scripts/setup, then re-run cmake)"
if [ "$4" = "--browser" ]; then
    [ -d "$source_dir/node_modules/playwright-core" ] ||
        fail "$source_dir/node_modules/playwright-core is missing (run 'npm ci' in $source_dir)"
    chromium=${STAGEDOOR_CHROMIUM:-/usr/lib/chromium/chromium}
    [ -x "$chromium" ] || fail "Chromium is missing at $chromium (install chromium, or set STAGEDOOR_CHROMIUM)"
fi
cd "$source_dir" || fail "cannot enter $source_dir"
exec "$node" --test "$test_file"
