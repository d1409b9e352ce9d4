#!/usr/bin/env bash
# Set up leanxl from nothing on Debian/Ubuntu with Python 3.11+:
#   system packages (LibreOffice Calc for headless recalc and rendering, poppler for PNGs),
#   a virtual environment in .venv, and leanxl with its dev extras.
# Safe to run again: it skips what is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(libreoffice-calc-nogui python3-uno python3-numpy libreoffice-dev poppler-utils fonts-dejavu-core)
# node + npm run Pyodide (xlwings Lite's Python) in tests/test_pyodide.py.
command -v node >/dev/null && command -v npm >/dev/null || APT_PACKAGES+=(nodejs npm)
missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi
  echo "setup: installing ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip >/dev/null
.venv/bin/python -m pip install -q -e ".[dev]"
# Pyodide from npm (offline once installed), for tests/test_pyodide.py.
(cd tests/pyodide && npm install --no-audit --no-fund --silent)
# Compile the numba kernels once, so later processes load them from the cache.
.venv/bin/leanxl warmup
