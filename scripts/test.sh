#!/usr/bin/env bash
# Runs the whole suite: build (the end-to-end tests start the compiled CLI), start a throwaway
# PostgreSQL (unless TEST_PG_URL points at one), then node's test runner over an explicit file
# list (Node 20 finds no .ts tests from a directory or a quoted glob).
set -euo pipefail
cd "$(dirname "$0")/.."
# The whole default suite (what CI runs) starts with the linter and the import-order check.
if [ "$#" -eq 0 ]; then npm run --silent lint >&2; fi
npm run --silent build >&2

pg_pid=""
cleanup() {
  if [ -n "$pg_pid" ]; then
    kill "$pg_pid" 2>/dev/null || true
    wait "$pg_pid" 2>/dev/null || true
  fi
  rm -f "${pg_out:-}"
}
trap cleanup EXIT

if [ -z "${TEST_PG_URL:-}" ]; then
  pg_out=$(mktemp)
  node --import tsx scripts/test-postgres.ts >"$pg_out" &
  pg_pid=$!
  for _ in $(seq 1 600); do
    if grep -q '^TEST_PG_URL=' "$pg_out"; then break; fi
    if ! kill -0 "$pg_pid" 2>/dev/null; then echo "the test PostgreSQL did not start" >&2; exit 1; fi
    sleep 0.1
  done
  TEST_PG_URL=$(grep '^TEST_PG_URL=' "$pg_out" | head -1 | cut -d= -f2-)
  if [ -z "$TEST_PG_URL" ]; then echo "the test PostgreSQL did not start within 60 s" >&2; exit 1; fi
  export TEST_PG_URL
fi

# Suites: unit (pure rules, services and HTTP on both databases, end-to-end processes, the
# benchmark's own parts; the default), chaos (crashes and faults), fuzz (bad input). Or an explicit list of files.
suite=unit
if [ "${1:-}" = "--suite" ]; then
  suite=$2
  shift 2
fi
if [ "$#" -gt 0 ]; then
  files=("$@")
else
  case "$suite" in
    unit) mapfile -t files < <(find src test/e2e bench -name '*.test.ts' 2>/dev/null | sort) ;;
    chaos | fuzz | package) mapfile -t files < <(find "test/$suite" -name '*.test.ts' 2>/dev/null | sort) ;;
    *) echo "unknown suite: $suite (unit, chaos, fuzz or package)" >&2; exit 2 ;;
  esac
fi
if [ "${#files[@]}" -eq 0 ]; then echo "no test files for suite $suite" >&2; exit 1; fi
node --import tsx --test --test-reporter=tap --test-concurrency=2 "${files[@]}"
