#!/usr/bin/env bash
# shengqing developer entry point. Two commands do everything on a fresh Debian machine with Python 3.11:
#   ./run.sh serve   set up .venv, dependencies and the voice model, then start the HTTP service
#   ./run.sh test    set up everything the tests need, then run lint, type checks and the whole test suite
# Other: ./run.sh setup | bench [--quick] | say TEXT... | lock [--upgrade] | image-test | compose-test | bundle [--platform TAG]
#        | soak [--quick] (reliability harness → docs/reliability.md) | fuzz [--strings N --jobs N] (hypothesis
#        strings through every text-taking layer → docs/reliability.md) | cross-platform (docs/platforms.md)
set -euo pipefail
cd "$(dirname "$0")"

PYTHON=${PYTHON:-python3.11}
command -v "$PYTHON" >/dev/null 2>&1 || PYTHON=python3
VENV=.venv

log() { printf '\033[1m[shengqing]\033[0m %s\n' "$*" >&2; }

apt_install() {  # install Debian packages that are missing (tests need a browser, redis and sox)
  local missing=()
  for pkg in "$@"; do dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  local sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
  log "installing Debian packages: ${missing[*]}"
  $sudo apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
}

setup() {  # $1 = "dev" to add test dependencies
  if [ ! -x "$VENV/bin/python" ]; then
    log "creating $VENV with $($PYTHON --version)"
    "$PYTHON" -m venv "$VENV"
  fi
  local extra="" lock=requirements/runtime.lock.txt
  [ "${1:-}" = "dev" ] && { extra="[dev]"; lock=requirements/dev.lock.txt; }
  local stamp="$VENV/.installed$extra"
  if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ] || [ "$lock" -nt "$stamp" ]; then
    log "installing shengqing$extra and its dependencies from $lock"
    "$VENV/bin/python" -m pip install -q --disable-pip-version-check --upgrade pip
    "$VENV/bin/python" -m pip install -q --disable-pip-version-check --require-hashes -r "$lock"
    "$VENV/bin/python" -m pip install -q --disable-pip-version-check --no-deps -e .
    touch "$stamp"
  fi
  "$VENV/bin/python" -m compileall -q src >/dev/null  # byte-code ahead of time: ~50 ms off every cold start
  "$VENV/bin/shengqing" models install
}

lock() {  # re-resolve requirements/*.lock.txt (every platform, hashes of every wheel) from pyproject's ranges
  local tools=.cache/lock-tools
  [ -x "$tools/bin/uv" ] || { "$PYTHON" -m venv "$tools" && "$tools/bin/pip" install -q uv==0.13.9; }
  local uv=("$tools/bin/uv" pip compile pyproject.toml --universal --python-version 3.11 --generate-hashes
            --no-header --annotation-style line -c requirements/pins.txt -q)
  "${uv[@]}" -o requirements/runtime.lock.txt "$@"
  "${uv[@]}" --extra dev -c requirements/runtime.lock.txt -o requirements/dev.lock.txt "$@"
  log "locked: $(grep -c '^[a-zA-Z]' requirements/runtime.lock.txt) runtime, $(grep -c '^[a-zA-Z]' requirements/dev.lock.txt) dev packages"
}

case "${1:-}" in
  setup) setup dev ;;
  serve)
    shift; setup
    log "starting the service on http://${SHENGQING_HOST:-127.0.0.1}:${SHENGQING_PORT:-8000}"
    exec "$VENV/bin/shengqing" serve --install-model "$@" ;;
  test)
    shift
    apt_install redis-server chromium sox libportaudio2 ffmpeg
    setup dev
    log "ruff";  "$VENV/bin/ruff" check src tests benchmarks
    log "mypy";  "$VENV/bin/mypy"
    # the whole golden manifest is re-rendered with reference kernels and compared bit for bit (~5 min);
    # set SHENGQING_VERIFY_FULL=0 for a quicker local run that checks a subset
    export SHENGQING_VERIFY_FULL=${SHENGQING_VERIFY_FULL:-1}
    log "pytest"; "$VENV/bin/python" -m pytest "$@" ;;
  bench) shift; setup dev; exec "$VENV/bin/python" benchmarks/run.py "$@" ;;
  say) shift; setup; exec "$VENV/bin/shengqing" say "$@" ;;
  lock) shift; lock "$@" ;;  # e.g. ./run.sh lock --upgrade-package numpy
  image-test) shift; setup dev; exec "$VENV/bin/python" deploy/image_test.py "$@" ;;  # needs root + docker.io
  compose-test) shift; setup dev; exec "$VENV/bin/python" deploy/compose_test.py "$@" ;;  # + docker-compose
  bundle) shift; setup; exec "$VENV/bin/python" deploy/bundle.py "$@" ;;  # [--platform manylinux_2_28_aarch64]
  soak) shift; setup dev; exec "$VENV/bin/python" scripts/soak.py --schemathesis "$VENV/bin/schemathesis" "$@" ;;
  fuzz) shift; setup dev  # 100,000 hypothesis strings through frontend, SSML, models and HTTP (nice'd; see docs/reliability.md)
    status=0; nice -n 5 "$VENV/bin/python" scripts/fuzz.py --out benchmarks/results/fuzz.json "$@" || status=$?
    "$VENV/bin/python" scripts/soak.py --report-only; exit $status ;;
  cross-platform) shift; apt_install qemu-user-static binfmt-support debootstrap; setup dev; exec nice -n 10 "$VENV/bin/python" scripts/platforms/matrix.py "$@" ;;
  *) echo "usage: ./run.sh serve|test|setup|bench|say|lock|image-test|compose-test|bundle|soak|fuzz|cross-platform" >&2; exit 2 ;;
esac
