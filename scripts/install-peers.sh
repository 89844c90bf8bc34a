#!/usr/bin/env bash
# Installs the Debian packages of the real peers the interop tests run
# against (code we did not write: see test/support/go-peer.ts), only those
# that are missing. Idempotent; prints one line. As root a failed install
# fails (the test command needs the peers then); without root it only says
# what is missing, and the tests skip that tier, so it exits 0.
set -euo pipefail

# Per tier: what the packages are for, then the packages.
TIER="memberlist interop tier"
PACKAGES=(golang-go golang-github-hashicorp-memberlist-dev)

installed() {
  [ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null || true)" = "install ok installed" ]
}

if ! command -v dpkg-query >/dev/null 2>&1; then
  echo "install-peers: not a Debian system (no dpkg-query); needs ${PACKAGES[*]}; the $TIER will be skipped unless they are there"
  exit 0
fi

missing=()
for package in "${PACKAGES[@]}"; do
  installed "$package" || missing+=("$package")
done

if [ "${#missing[@]}" -eq 0 ]; then
  echo "install-peers: nothing to do, ${PACKAGES[*]} already installed"
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "install-peers: not root, missing ${missing[*]}: the $TIER will be skipped"
  exit 0
fi

# apt's own output goes to a log, shown only when something fails.
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
apt() {
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 -y -qq "$@" >>"$log" 2>&1
}
started=$SECONDS
if ! apt update || ! apt install --no-install-recommends "${missing[@]}"; then
  echo "install-peers: apt-get failed installing ${missing[*]}:" >&2
  tail -n 30 "$log" >&2
  exit 1
fi
echo "install-peers: installed ${missing[*]} in $((SECONDS - started)) s"
