#!/usr/bin/env bash
# Type-checks each runtime with its own tsconfig: core and ipc without Node or DOM types, the
# adapters and agent with Node, main and preload with Node + Electron, the renderer with the
# DOM only, the tests with everything. A runtime with no source yet is said, not failed.
set -uo pipefail
cd "$(dirname "$0")/../.."
status=0
for project in app/core app/ipc app/adapters app/main app/renderer test; do
  if [[ -z $(find "$project" -name '*.ts' -not -path '*/node_modules/*' -print -quit) ]]; then
    echo "typecheck: $project has no sources yet" >&2
    continue
  fi
  node_modules/.bin/tsc -p "$project" || status=1
done
exit $status
