#!/usr/bin/env bash
# Runs a command in a sandbox of its own for the PC/SC tests: private mount, network and PID
# namespaces, with an empty /run/pcscd and a loopback interface of its own. The pcscd a test
# starts there, its vpcd ports and its loopback route change are invisible to the rest of the
# machine, so two test runs (or a test run and a demo) no longer fight over one pcscd socket and
# one set of vpcd ports, and a system pcscd is neither reused nor disturbed.
# Needs root and unshare(1); otherwise the command runs as it is, and says why.
# Usage: test/harness/isolated.sh CMD [ARGS...]   (exit status: CMD's)
set -euo pipefail
if (($# == 0)); then
  echo "usage: $0 CMD [ARGS...]" >&2
  exit 2
fi

if [[ ${RELEVE_ISOLATED:-} == 1 ]]; then
  # Inside the sandbox: finish setting it up, then run the command. This shell stays as the
  # namespace's PID 1 so that orphans (a pcscd whose test was killed) are reaped, not left as zombies.
  ip link set lo up
  mkdir -p /run/pcscd
  mount -t tmpfs -o mode=0755 releve-pcscd /run/pcscd
  set +e
  "$@"
  exit $?
fi

why_not=
if [[ $(id -u) != 0 ]]; then
  why_not="not root"
elif ! command -v unshare >/dev/null || ! command -v ip >/dev/null; then
  why_not="unshare or ip is missing (apt-get install util-linux iproute2)"
elif ! unshare --mount --net --pid --fork --mount-proc true 2>/dev/null; then
  why_not="this machine refuses new namespaces"
fi
if [[ -n $why_not ]]; then
  echo "$0: running without a private pcscd sandbox ($why_not)" >&2
  exec "$@"
fi
export RELEVE_ISOLATED=1
exec unshare --mount --net --pid --fork --mount-proc --kill-child "$0" "$@"
