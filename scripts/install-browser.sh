#!/usr/bin/env bash
# Install what the browser test of `illm serve` needs: Debian's chromium and its
# matching chromedriver (from the distribution, never a downloaded browser build),
# and the Selenium Python driver into the project's environment.
#
#   bash scripts/install-browser.sh [PYTHON]
#
# PYTHON defaults to .venv/bin/python beside this script's repo (else python3).
# Safe to run again: it skips what is already installed.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
python="${1:-}"
if [[ -z "$python" ]]; then
  if [[ -x "$repo/.venv/bin/python" ]]; then python="$repo/.venv/bin/python"; else python="python3"; fi
fi

sudo_cmd=()
if [[ "$(id -u)" != "0" ]]; then sudo_cmd=(sudo); fi

if ! command -v chromium >/dev/null 2>&1 || ! command -v chromedriver >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  "${sudo_cmd[@]}" apt-get update -qq
  "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends chromium chromium-driver fonts-dejavu-core >/dev/null
fi
chromium --version
chromedriver --version

# The Python side: Selenium, pointed at /usr/bin/chromedriver by the test (no driver download).
"$python" -m pip install -q "selenium>=4.15"
"$python" -c "import selenium; print('selenium', selenium.__version__)"
