#!/usr/bin/env bash
# The whole test suite: compile, lint, then every test tier mocha finds.
# Assumes `npm ci` has run (the README's test command does it first).
# Later tiers (real routers, memberlist peers, namespaces) install their Debian
# packages from here when they arrive; today every test is a unit test.
set -euo pipefail
cd "$(dirname "$0")/.."

npm run --silent build
npm run --silent lint
npx mocha
