#!/bin/sh
# Makes a fresh machine able to run the project: the pinned Bun (from npm, when absent or a
# different version) and the workspace's packages. Everything else (apt packages, Kafka jars,
# Jaeger) is installed on demand by infra/local and cached outside the repo.
set -eu
cd "$(dirname "$0")/.."

want=$(sed -n 's/.*"packageManager": *"bun@\([^"]*\)".*/\1/p' package.json)
have=$(bun --version 2>/dev/null || true)
if [ "$have" != "$want" ]; then
  if ! command -v npm >/dev/null 2>&1; then
    echo "bootstrap: Bun $want is needed and npm is missing to install it: install Node.js 20+ with npm" >&2
    exit 1
  fi
  echo "bootstrap: installing Bun $want with npm (found: ${have:-none})"
  if ! npm install --global --no-fund --no-audit "bun@$want" >/dev/null; then
    echo "bootstrap: 'npm install --global bun@$want' failed: run it with sudo, or set npm's prefix to a folder on your PATH" >&2
    exit 1
  fi
  hash -r 2>/dev/null || true
fi

if [ "${CI:-}" = "true" ]; then
  bun install --frozen-lockfile
else
  bun install --silent
fi
