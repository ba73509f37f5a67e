#!/usr/bin/env bash
# Install napari-youcam into ./.venv, from scratch or on top of an earlier run.
#
#   bash scripts/setup.sh          # the plugin, napari and PyQt6
#   bash scripts/setup.sh --test   # the same plus pytest, pytest-qt and a virtual display (Xvfb)
#
# System packages: PyQt6's xcb platform plugin needs a few X/GL libraries that minimal
# Debian/Ubuntu images lack; they are installed with apt-get only when missing (as root,
# or through sudo). Python packages come from PyPI, pinned by requirements-ci.txt so a
# fresh machine resolves the same versions the tests ran on.
set -euo pipefail
cd "$(dirname "$0")/.."

want_tests=0
[ "${1:-}" = "--test" ] && want_tests=1

APT_PKGS="libgl1 libegl1 libopengl0 libglx-mesa0 libgl1-mesa-dri libxkbcommon-x11-0 libxcb-cursor0 \
  libxcb-icccm4 libxcb-image0 libxcb-keysyms1 libxcb-randr0 libxcb-render-util0 libxcb-shape0 \
  libxcb-xfixes0 libxcb-xkb1 libfontconfig1 libdbus-1-3"
# A virtual display for the tests, and for the demo on a machine without a screen
# (it then runs there and saves a screenshot instead of opening a window).
if [ "$want_tests" = 1 ] || [ -z "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
  APT_PKGS="$APT_PKGS xvfb xauth"
fi

if command -v dpkg-query >/dev/null 2>&1; then
  missing=$(dpkg-query -W -f='${db:Status-Abbrev} ${Package}\n' $APT_PKGS 2>&1 | grep -v '^ii ' | awk '{print $NF}' || true)
  if [ -n "$missing" ]; then
    sudo=""
    [ "$(id -u)" -ne 0 ] && sudo="sudo"
    echo "setup: installing system packages: $(echo $missing | tr '\n' ' ')"
    export DEBIAN_FRONTEND=noninteractive
    $sudo apt-get update -qq
    $sudo apt-get install -y -qq --no-install-recommends $missing >/dev/null
  fi
fi

PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  echo "setup: creating .venv with $($PY --version)"
  "$PY" -m venv .venv
fi
extras="all"
[ "$want_tests" = 1 ] && extras="all,testing"
echo "setup: installing napari-youcam[$extras] (pinned by requirements-ci.txt)"
.venv/bin/python -m pip install -q --disable-pip-version-check -c requirements-ci.txt -e ".[$extras]"
.venv/bin/npe2 validate napari-youcam >/dev/null
echo "setup: done — napari-youcam is installed in .venv"
