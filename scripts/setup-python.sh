#!/usr/bin/env bash
# Installs the real Singer programs that the integration tests run, from PyPI, into the git-ignored
# virtualenv .venv-test/:
#   .venv-test/bin/target-csv    meltanolabs-target-csv (singer-sdk based), with singer-sdk itself
#   .venv-test/bin/target-jsonl  target-jsonl (singer-python based); it pins jsonschema 2.6.0, which
#                                singer-sdk cannot share, so it lives in its own virtualenv
#                                .venv-test/isolated/target-jsonl/ and is linked into .venv-test/bin/
#   .venv-test/bin/meltano       meltano 4.4.1 (the Meltano interop tests), in its own virtualenv
#                                .venv-test/isolated/meltano/, linked the same way
# With --meltano, also .venv-bench/ with meltano (the optional column of `npm run bench`).
# Every package is pinned, transitive ones too. Safe to run again: a virtualenv whose marker file for
# the pinned set exists is kept as it is; one with another pinned set (or Python) is made anew.
# Python: $PYTHON, else python3 (3.10 or newer).
set -euo pipefail
cd "$(dirname "$0")/.."

usage() { echo "usage: scripts/setup-python.sh [--meltano]"; }
WITH_MELTANO=0
for arg in "$@"; do
  case "$arg" in
    --meltano) WITH_MELTANO=1 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "setup-python: unknown argument '$arg'" >&2; usage >&2; exit 2 ;;
  esac
done

PYTHON="${PYTHON:-python3}"
if ! command -v "$PYTHON" >/dev/null 2>&1; then
  echo "setup-python: '$PYTHON' not found; install Python 3.10 or newer (or set PYTHON)" >&2
  exit 1
fi
if ! PYVERSION="$("$PYTHON" -c 'import sys; assert sys.version_info >= (3, 10); print("%d.%d.%d" % sys.version_info[:3])' 2>/dev/null)"; then
  echo "setup-python: $PYTHON is $("$PYTHON" -V 2>&1); Python 3.10 or newer is needed (set PYTHON)" >&2
  exit 1
fi

# Pinned sets (pip freeze of a working install on Python 3.11).
TEST_REQS="
singer-sdk==0.54.9
meltanolabs-target-csv==0.5.0
attrs==26.1.0
certifi==2026.10.18
charset-normalizer==3.5.2
click==8.5.1
cloudpickle==3.1.2
fsspec==2026.9.0
idna==3.20
importlib_metadata==10.2.0
inflection==0.5.1
joblib==1.6.0
jsonpath-ng==1.16.0
jsonschema==4.26.0
jsonschema-specifications==2025.9.1
lazy-importer==0.1.0
packaging==26.3
pathlib_abc==0.5.2
python-backoff==3.0.0
python-dotenv==1.2.4
PyYAML==6.0.3
referencing==0.37.0
requests==2.34.2
rpds-py==2026.9.1
simpleeval==1.0.8
simplejson==4.3.0
SQLAlchemy==2.1.9
typing_extensions==4.16.0
universal_pathlib==0.3.10
urllib3==2.8.0
zipp==4.1.2
"
JSONL_REQS="
target-jsonl==0.1.4
adjust-precision-for-schema==0.3.3
backoff==1.8.0
ciso8601==2.4.1
jsonschema==2.6.0
python-dateutil==4.0.0
pytz==2018.4
simplejson==3.11.1
singer-python==5.8.0
tzdata==2026.6
"
MELTANO_REQS="
meltano==4.4.1
alembic==1.20.1
anyio==4.16.0
attrs==26.1.0
certifi==2026.10.18
charset-normalizer==3.5.2
click==8.5.1
click-default-group==1.2.4
dateparser==1.5.0
distlib==0.4.4
fasteners==0.20
filelock==4.2.12
greenlet==3.5.6
idna==3.20
importlib_metadata==10.2.0
Jinja2==3.1.6
jsonschema==4.26.0
jsonschema-specifications==2025.9.1
lazy-importer==0.1.0
Mako==1.4.3
markdown-it-py==4.3.0
MarkupSafe==3.0.4
mdurl==0.1.2
packaging==26.3
platformdirs==4.14.7
psutil==7.2.2
Pygments==2.21.0
python-dateutil==4.0.0
python-discovery==1.9.5
python-dotenv==1.2.4
pytz==2026.6
PyYAML==6.0.3
referencing==0.37.0
regex==2026.11.15
requests==2.34.2
rich==15.0.0
rpds-py==2026.9.1
ruamel.yaml==0.19.1
smart_open==8.0.4
snowplow-tracker==1.1.0
SQLAlchemy==2.0.58
structlog==26.1.0
typing_extensions==4.16.0
tzdata==2026.6
tzlocal==5.4.5
urllib3==2.8.0
uv==0.13.9
virtualenv==21.15.8
wrapt==2.5.2
zipp==4.1.2
"
BENCH_REQS="$MELTANO_REQS"

export PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1

# ensure_venv DIR REQS CHECK_CMD...: makes DIR a virtualenv holding exactly REQS unless its marker is
# there; CHECK_CMD (run inside DIR/bin) must then succeed before the marker is written.
ensure_venv() {
  local dir="$1" reqs="$2"; shift 2
  local key marker
  key="$(printf '%s\n%s\n' "$PYVERSION" "$reqs" | sha256sum | cut -c1-16)"
  marker="$dir/.complete-$key"
  [ -f "$marker" ] && return 0
  echo "setup-python: installing into $dir (under a minute)"
  rm -rf "$dir"
  mkdir -p "$(dirname "$dir")"
  local err
  err="$(mktemp)"
  if ! "$PYTHON" -m venv "$dir" >/dev/null 2>"$err"; then
    echo "setup-python: '$PYTHON -m venv $dir' failed (on Debian: apt-get install python3-venv):" >&2
    cat "$err" >&2; rm -f "$err"
    exit 1
  fi
  rm -f "$err"
  printf '%s\n' "$reqs" | sed '/^$/d' > "$dir/requirements.txt"
  if ! "$dir/bin/python" -m pip install --quiet -r "$dir/requirements.txt" > "$dir/pip.log" 2>&1; then
    echo "setup-python: pip install into $dir failed; the end of $dir/pip.log:" >&2
    tail -n 25 "$dir/pip.log" >&2
    exit 1
  fi
  if ! (bin="$PWD/$dir/bin" && cd "$dir" && PATH="$bin:$PATH" "$@") > "$dir/check.log" 2>&1; then
    echo "setup-python: installed, but '$*' failed in $dir; see $dir/check.log:" >&2
    tail -n 25 "$dir/check.log" >&2
    exit 1
  fi
  touch "$marker"
}

ensure_venv .venv-test "$TEST_REQS" target-csv --about
ensure_venv .venv-test/isolated/target-jsonl "$JSONL_REQS" target-jsonl --help
# a console script keeps its own interpreter by absolute path, so a relative link works
if [ "$(readlink .venv-test/bin/target-jsonl 2>/dev/null)" != "../isolated/target-jsonl/bin/target-jsonl" ]; then
  ln -sfn ../isolated/target-jsonl/bin/target-jsonl .venv-test/bin/target-jsonl
fi
# meltano pins its own SQLAlchemy and jsonschema, so it too lives apart; the check needs no network
ensure_venv .venv-test/isolated/meltano "$MELTANO_REQS" env MELTANO_SEND_ANONYMOUS_USAGE_STATS=false MELTANO_CLI_DISABLE_VERSION_CHECK=true meltano --version
if [ "$(readlink .venv-test/bin/meltano 2>/dev/null)" != "../isolated/meltano/bin/meltano" ]; then
  ln -sfn ../isolated/meltano/bin/meltano .venv-test/bin/meltano
fi
summary=".venv-test: target-csv 0.5.0 (singer-sdk 0.54.9), target-jsonl 0.1.4, meltano 4.4.1"

if [ "$WITH_MELTANO" = 1 ]; then
  ensure_venv .venv-bench "$BENCH_REQS" env MELTANO_SEND_ANONYMOUS_USAGE_STATS=false meltano --version
  summary="$summary; .venv-bench: meltano 4.4.1"
fi
echo "setup-python: ready (Python $PYVERSION; $summary)"
