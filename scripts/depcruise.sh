#!/usr/bin/env bash
# dependency-cruiser over src/ (the layer order, no cycles, no foreign repositories; see
# .dependency-cruiser.cjs). Fails when it checked almost nothing: without its parser (@swc/core)
# dependency-cruiser reports "no violations" over zero modules, which must not pass for a check.
set -uo pipefail
cd "$(dirname "$0")/.."
out=$(npx --no-install depcruise src --config .dependency-cruiser.cjs 2>&1)
code=$?
printf '%s\n' "$out"
[ "$code" -eq 0 ] || exit "$code"
modules=$(printf '%s\n' "$out" | grep -oE '\([0-9]+ modules' | grep -oE '[0-9]+' | tail -1)
if [ "${modules:-0}" -lt 50 ]; then
  echo "dependency-cruiser checked ${modules:-0} modules of src/: is its parser @swc/core installed (npm ci)?" >&2
  exit 1
fi
