#!/usr/bin/env bash
# The whole test suite, as CI runs it: types, lint, formatting, then every jest project (unit,
# integration against real pcscd / HTTPS IdP / OS keyring, end-to-end in real Chromium).
# Ends with one line "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/../.."
# Node 22, the Node Electron 45 embeds (node_modules/.bin comes first on npm's PATH).
NODE=node_modules/.bin/node
mkdir -p test-artifacts
status=0

step() {
  echo "== $1" >&2
  shift
  "$@" || status=1
}

step "typecheck" npm run --silent typecheck
step "lint" npx --no-install eslint --max-warnings 0 .
step "format" npx --no-install prettier --check --log-level warn .

# The PC/SC tests get a pcscd sandbox of their own (isolated.sh: no clash with a system pcscd or
# another run); the keyring tests need a session bus and an unlocked Secret Service (with-keyring.sh).
runner=(test/harness/isolated.sh test/harness/with-keyring.sh)
echo "== jest" >&2
"${runner[@]}" "$NODE" --experimental-vm-modules node_modules/jest/bin/jest.js --ci --runInBand \
  --json --outputFile=test-artifacts/jest.json "$@" || status=1

if [[ -f test-artifacts/jest.json ]]; then
  "$NODE" -e '
    const r = JSON.parse(require("node:fs").readFileSync("test-artifacts/jest.json", "utf8"));
    const failedSuites = r.numFailedTestSuites + r.numRuntimeErrorTestSuites;
    if (failedSuites) console.log(`${failedSuites} test suite(s) failed to run or had failures`);
    console.log(`${r.numPassedTests} passed, ${r.numFailedTests} failed` + (r.numPendingTests ? `, ${r.numPendingTests} skipped` : ""));
  '
else
  echo "0 passed, 1 failed"
  status=1
fi
exit $status
