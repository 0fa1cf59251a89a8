#!/usr/bin/env bash
# Runs a command with a real, unlocked OS vault: a private D-Bus session bus and a
# gnome-keyring-daemon serving the Secret Service on it, unlocked with a throwaway password.
# The keyring lives in a temporary home, so tests never touch (or leave secrets in) a real one.
# Both daemons are this script's own children, stopped and reaped when the command ends: no
# daemon outlives the run (dbus-run-session and a daemonized keyring would be left to PID 1).
# Usage: test/harness/with-keyring.sh CMD [ARGS...]   (exit status: CMD's)
set -euo pipefail
if (($# == 0)); then
  echo "usage: $0 CMD [ARGS...]" >&2
  exit 2
fi
for tool in dbus-daemon dbus-send gnome-keyring-daemon; do
  command -v "$tool" >/dev/null || { echo "$0: $tool is missing (apt-get install dbus gnome-keyring)" >&2; exit 1; }
done

keyring_home=$(mktemp -d "${TMPDIR:-/tmp}/releve-keyring.XXXXXX")
bus_pid=
keyring_pid=
cleanup() {
  for pid in $keyring_pid $bus_pid; do
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$keyring_home"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

export XDG_DATA_HOME="$keyring_home/data" XDG_RUNTIME_DIR="$keyring_home/run"
mkdir -p "$XDG_DATA_HOME" "$XDG_RUNTIME_DIR"
chmod 700 "$XDG_RUNTIME_DIR"

# A session bus of our own. dbus-daemon complains that it cannot raise its fd limit when not
# privileged; that is harmless, so its stderr is dropped.
export DBUS_SESSION_BUS_ADDRESS="unix:path=$keyring_home/bus"
dbus-daemon --session --nofork --nopidfile --address="$DBUS_SESSION_BUS_ADDRESS" 2>/dev/null &
bus_pid=$!

wait_for() { # wait_for DESCRIPTION COMMAND...: up to 5 s
  local what=$1
  shift
  for _ in $(seq 1 100); do
    "$@" >/dev/null 2>&1 && return 0
    sleep 0.05
  done
  echo "$0: $what did not come up" >&2
  exit 1
}
wait_for "the session bus" test -S "$keyring_home/bus"

# --unlock reads the login keyring's password on stdin (creating the keyring on first use).
printf 'releve-test-keyring' | gnome-keyring-daemon --foreground --unlock --components=secrets >/dev/null 2>&1 &
keyring_pid=$!
secrets_owned() {
  dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
    org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets | grep -q 'boolean true'
}
wait_for "gnome-keyring's Secret Service" secrets_owned

set +e
"$@"
status=$?
set -e
exit "$status"
