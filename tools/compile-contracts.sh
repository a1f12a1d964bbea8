#!/usr/bin/env bash
# Compiles fixtures/contracts/*.sol with solc-js (npm `solc`, pinned below)
# into fixtures/contracts/build/<Contract>.json ({contractName, abi, bytecode}).
# The artifacts are committed, so neither CI nor a build needs solc; rerun this
# after editing a contract and commit the changed artifacts with it.
#
#   bash tools/compile-contracts.sh
#
# solc is installed into a temporary folder (or $SOLC_PREFIX, to reuse one).
set -euo pipefail
cd "$(dirname "$0")/.."

SOLC_VERSION=0.8.28
prefix="${SOLC_PREFIX:-}"
if [ -z "$prefix" ]; then
    prefix="$(mktemp -d)"
    trap 'rm -rf "$prefix"' EXIT
fi
if [ ! -f "$prefix/node_modules/solc/package.json" ] ||
    ! grep -q "\"version\": \"$SOLC_VERSION\"" "$prefix/node_modules/solc/package.json"; then
    npm install --no-save --no-audit --no-fund --prefix "$prefix" "solc@$SOLC_VERSION" >&2
fi
NODE_PATH="$prefix/node_modules" node tools/compile-contracts.js fixtures/contracts fixtures/contracts/build
