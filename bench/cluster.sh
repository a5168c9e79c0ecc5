#!/usr/bin/env bash
# Revocation propagation across three nodes (PostgreSQL + Redis): runs the cluster scenarios with
# 1,000 revocations and prints the p50/p99 from "revoked on B" to "inactive on A and C".
#   bench/cluster.sh [REVOCATIONS]
# Needs the machine's PostgreSQL (127.0.0.1:5432, database test) and Redis (127.0.0.1:6379). It also
# restarts PostgreSQL once (the last scenario), so run it when nothing else uses that server.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export TESSERA_TEST_DATABASE_URL="${TESSERA_TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test}"
export TESSERA_TEST_REDIS_URL="${TESSERA_TEST_REDIS_URL:-redis://127.0.0.1:6379}"
export TESSERA_CLUSTER_REVOCATIONS="${1:-1000}"
cd "$root"
cargo test --release -p tessera --test cluster -- --nocapture 2>&1 \
  | grep -E "revocation propagation|kill -9|PostgreSQL restart|test result"
