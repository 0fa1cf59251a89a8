#!/usr/bin/env bash
# Installs what Relève's demo and tests need on a fresh Debian/Ubuntu machine: the system
# packages (through apt-get when root; otherwise it says exactly what to install) and the npm
# dependencies. Fast when everything is already there.
set -euo pipefail
cd "$(dirname "$0")/../.."

# pcscd + vpcd: the real smart-card service with the virtual reader our virtual cards plug into;
# libpcsclite-dev: headers for the smartcard N-API addon; gnome-keyring + dbus: a real OS vault;
# chromium: the renderer's end-to-end tests; xvfb/xdotool: desktop automation tests; iproute2:
# quick ACKs on loopback for the virtual card.
PACKAGES=(pcscd libpcsclite-dev pcsc-tools vsmartcard-vpcd gnome-keyring dbus libsecret-1-0
  chromium xvfb xdotool iproute2 fonts-dejavu-core
  # The hospital identity stack the IdP tests start (slapd + LemonLDAP::NG behind nginx); the Perl
  # modules are LemonLDAP::NG's LDAP backend, OIDC provider and portal (recommends it needs here).
  slapd ldap-utils lemonldap-ng lemonldap-ng-fastcgi-server nginx libnet-ldap-perl
  libstring-random-perl libdigest-hmac-perl libemail-sender-perl libgd-securityimage-perl
  libcrypt-openssl-bignum-perl libio-socket-timeout-perl libconvert-base32-perl libio-string-perl
  libunicode-string-perl libmime-tools-perl libapache-session-browseable-perl libauthen-webauthn-perl
  libipc-run-perl fonts-urw-base35)

missing=()
for pkg in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done
if ((${#missing[@]} > 0)); then
  if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then
    echo "setup: installing system packages: ${missing[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "setup: these system packages are missing: ${missing[*]}" >&2
    echo "setup: install them as root:  sudo apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
fi

# npm ci fails here for jest 30 / @swc/core (the lockfile lacks other platforms' optional
# packages); npm install honours the lockfile and works. Electron's binary cannot be fetched
# on these machines: its typings are enough for the build and the tests.
if [[ ! -f node_modules/.package-lock.json || package-lock.json -nt node_modules/.package-lock.json ]]; then
  echo "setup: installing npm dependencies" >&2
  ELECTRON_SKIP_BINARY_DOWNLOAD=1 npm install --no-audit --no-fund --loglevel=error >&2
fi
