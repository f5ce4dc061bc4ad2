#!/usr/bin/env bash
# Install the Debian packages given as arguments that are not installed yet.
# Needs root or sudo; on a machine without apt-get it says what to install and carries on.
set -euo pipefail
missing=()
for pkg in "$@"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if ! command -v apt-get >/dev/null; then
  echo "ita-monitor: please install these packages with your system's package manager: ${missing[*]}" >&2
  exit 0
fi
SUDO=""
if [ "$(id -u)" != 0 ]; then
  command -v sudo >/dev/null || { echo "ita-monitor: run as root or install sudo to install: ${missing[*]}" >&2; exit 1; }
  SUDO=sudo
fi
echo "ita-monitor: installing Debian packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
