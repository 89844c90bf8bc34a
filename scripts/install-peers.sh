#!/usr/bin/env bash
# Installs the Debian packages of the real peers and tools the interop and
# end-to-end tests run against (code we did not write: see
# packages/memberlist-ts/test/support/go-peer.ts, src/netns/ and
# test/support/routers/), only those that are missing. Idempotent; prints one line. As root a failed install fails (the
# test command needs the peers then); without root it only says what is
# missing, and the tests skip those tiers, so it exits 0.
set -euo pipefail

# Per tier: what the packages are for, then the packages.
TIERS=(
  "memberlist interop tier"
  "layer-2 tier" # network namespaces: ip, sysctl, ping, arping, ndisc6, curl
  # Routers as BGP peers: gobgpd (gobgpd and the gobgp CLI), bird2 (bird,
  # birdc), frr (bgpd, zebra, vtysh). The tests start them as plain
  # processes with their own configs; the services these packages bring are
  # not used.
  "BGP tier"
  "YAML decoder tier" # go-yaml v2, as kube-apiserver decodes YAML bodies (test/lab/go-yaml.test.ts)
)
TIER_PACKAGES=(
  "golang-go golang-github-hashicorp-memberlist-dev"
  "iproute2 procps iputils-ping iputils-arping ndisc6 curl"
  "gobgpd bird2 frr"
  "golang-gopkg-yaml.v2-dev"
)
read -r -a PACKAGES <<<"${TIER_PACKAGES[*]}"

installed() {
  [ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null || true)" = "install ok installed" ]
}

# "the A and the B" for the tiers that need any of the given packages.
tiers_needing() {
  local names=() i package
  for i in "${!TIERS[@]}"; do
    for package in ${TIER_PACKAGES[$i]}; do
      if [[ " $* " == *" $package "* ]]; then
        names+=("the ${TIERS[$i]}")
        break
      fi
    done
  done
  local joined="${names[0]}"
  for ((i = 1; i < ${#names[@]}; i++)); do joined+=" and ${names[$i]}"; done
  echo "$joined"
}

if ! command -v dpkg-query >/dev/null 2>&1; then
  echo "install-peers: not a Debian system (no dpkg-query); needs ${PACKAGES[*]}; $(tiers_needing "${PACKAGES[@]}") will be skipped unless they are there"
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
  echo "install-peers: not root, missing ${missing[*]}: $(tiers_needing "${missing[@]}") will be skipped"
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
