#!/usr/bin/env bash
# The whole test suite: compile, lint, then every test tier mocha finds.
# Assumes `npm ci` has run (the README's test command does it first).
# The interop tiers need real peers from Debian's packages (Go and HashiCorp
# memberlist, the layer-2 tools, GoBGP, BIRD and FRR): install-peers.sh
# installs what is missing when it runs as root, and says which tier is
# skipped when it cannot.
set -euo pipefail
cd "$(dirname "$0")/.."

npm run --silent build
npm run --silent lint
bash scripts/install-peers.sh
# The spec is given here, not in .mocharc.json: mocha adds a config's spec to the
# files named on its command line, so `npx mocha FILES` would run everything.
npx mocha 'dist/test/**/*.test.js' 'packages/memberlist-ts/dist/test/**/*.test.js'
