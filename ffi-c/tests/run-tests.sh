#!/usr/bin/env bash
# Runs the C tests against a real cluster: every test program linked against the shared
# library, then against the static library, then the shared build again under valgrind
# (zero errors, zero leaks). Prints `c-tests: N passed, M failed` last; exits non-zero on any
# failure. The cluster is stopped however the script ends.
#
# usage: run-tests.sh BUILD_DIR TESTCLUSTER OPS_HELPER [HELLO]
#   BUILD_DIR    holds shared/test_* and static/test_*
#   TESTCLUSTER  the slotwise-testcluster binary
#   OPS_HELPER   the c-cluster-ops binary (slot migration and failover mid-test)
#   HELLO        optional: the installed example, built with pkg-config, run once
set -uo pipefail

build=$1
testcluster=$2
ops=$3
hello=${4:-}
here=$(cd "$(dirname "$0")" && pwd)

dir=$(mktemp -d "${TMPDIR:-/tmp}/slotwise-c-tests.XXXXXX")
cleanup() { "$testcluster" down --dir "$dir" >/dev/null 2>&1 || rm -rf "$dir"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

# A TLS cluster with a default-user password and an ACL user, whose TLS ports require a
# client certificate: the tests cover plain and TLS connections (with and without the
# certificate) and both kinds of credentials on one cluster.
password=c-tests-default-pass
user=ctest:c-tests-user-pass
if ! json=$("$testcluster" up --json --dir "$dir" --tls-auth-clients --password "$password" --acl-user "$user"); then
  echo "could not start the test cluster" >&2
  exit 1
fi
# `[^]]*`: everything up to the closing bracket of the JSON array.
list() { grep -o "\"$1\":\[[^]]*\]" <<<"$json" | grep -oE '[0-9.]+:[0-9]+' | paste -sd, -; }
export SLOTWISE_TEST_SEEDS=$(list seeds)
export SLOTWISE_TEST_TLS_SEEDS=$(list tls_seeds)
json_path() { grep -o "\"$1\":\"[^\"]*\"" <<<"$json" | cut -d'"' -f4; }
export SLOTWISE_TEST_CA_FILE=$(json_path ca_file)
export SLOTWISE_TEST_CLIENT_CERT=$(json_path client_cert)
export SLOTWISE_TEST_CLIENT_KEY=$(json_path client_key)
export SLOTWISE_TEST_USER=$user
export SLOTWISE_TEST_PASSWORD=$password
export SLOTWISE_TEST_DIR=$dir
export SLOTWISE_TEST_OPS=$ops
echo "test cluster: $SLOTWISE_TEST_SEEDS (tls $SLOTWISE_TEST_TLS_SEEDS)"

passed=0
failed=0

# run LABEL COMMAND...: runs one test program and adds its `NAME: N passed, M failed` line
# to the totals; a non-zero exit without failed tests (a crash, a valgrind report) counts as
# one more failure.
run() {
  local label=$1
  shift
  local prog=${*: -1}
  echo "== $label: ${prog##*/}"
  local out rc
  out=$("$@" 2>&1)
  rc=$?
  printf '%s\n' "$out" | sed 's/^/   /'
  local line p=0 f=0
  line=$(grep -E '^[a-z_]+: [0-9]+ passed, [0-9]+ failed$' <<<"$out" | tail -n 1)
  if [ -n "$line" ]; then
    p=$(sed -E 's/.*: ([0-9]+) passed.*/\1/' <<<"$line")
    f=$(sed -E 's/.*, ([0-9]+) failed/\1/' <<<"$line")
  fi
  if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
    echo "   (exit status $rc: counted as a failure)"
    f=$((f + 1))
  fi
  passed=$((passed + p))
  failed=$((failed + f))
}

tests=(test_commands test_pipeline test_errors test_threads test_cluster_ops test_issue11)
for t in "${tests[@]}"; do run shared "$build/shared/$t"; done
for t in "${tests[@]}"; do run static "$build/static/$t"; done
for t in "${tests[@]}"; do
  run valgrind valgrind -q --error-exitcode=99 --leak-check=full \
    --errors-for-leak-kinds=definite,indirect,possible \
    --show-leak-kinds=definite,indirect,possible \
    --suppressions="$here/valgrind.supp" "$build/shared/$t"
done

if [ -n "$hello" ]; then
  echo "== example: ${hello##*/} (installed with make install-c, built with pkg-config)"
  if out=$("$hello" "${SLOTWISE_TEST_SEEDS%%,*}" "$password" 2>&1) && grep -q '^GET greeting -> 11 bytes$' <<<"$out"; then
    printf '%s\n' "$out" | sed 's/^/   /'
    passed=$((passed + 1))
  else
    printf '%s\n' "$out" | sed 's/^/   /'
    echo "   example failed"
    failed=$((failed + 1))
  fi
fi

echo "c-tests: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
