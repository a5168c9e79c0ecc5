#!/usr/bin/env bash
# Revocation feed propagation (issue #17): three nodes (PostgreSQL + Redis), two tessera-guard validators in
# feed mode on two of them, revocations made on random nodes; prints p50/p99/max from "revocation sent" to
# "refused by the guard" (each revocation counts once per guard).
#   bench/feed_propagation.sh [REVOCATIONS]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export TESSERA_TEST_DATABASE_URL="${TESSERA_TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test}"
export TESSERA_TEST_REDIS_URL="${TESSERA_TEST_REDIS_URL:-redis://127.0.0.1:6379}"
export TESSERA_FEED_PROPAGATION_REVOCATIONS="${1:-500}"
cd "$root"
cargo test --release -p tessera-guard --test feed_propagation -- --nocapture 2>&1 \
  | grep -E "feed propagation|test result|panicked"
