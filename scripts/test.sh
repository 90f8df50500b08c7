#!/usr/bin/env bash
# Runs the whole suite: build (the end-to-end tests start the compiled CLI), then node's test
# runner over an explicit file list (Node 20 finds no .ts tests from a directory or a quoted glob).
set -euo pipefail
cd "$(dirname "$0")/.."
npm run --silent build
if [ "$#" -gt 0 ]; then
  files=("$@")
else
  mapfile -t files < <(find src test -name '*.test.ts' -not -path '*/node_modules/*' 2>/dev/null | sort)
fi
exec node --import tsx --test --test-concurrency=2 "${files[@]}"
