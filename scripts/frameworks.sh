#!/usr/bin/env bash
# Creates one Python virtual environment per framework policy, with the versions pinned in
# bench/frameworks/requirements/<name>.txt (the one place for them), from PyPI:
#   scripts/frameworks.sh                 every framework that has a requirements file
#   scripts/frameworks.sh tensorflow jax  only those
# Where: ${CNNBENCH_VENV_DIR:-<repo>/.venvs}/<name> (gitignored). A venv whose requirements file is
# unchanged since it was made is kept (its copy of the file is compared), so a second run is quick.
# The C++ policies find the venv there (CNNBENCH_VENV_DIR at run time, else the folder baked in at build).
# Uses Debian's /usr/bin/python3 (3.11; CNNBENCH_PYTHON overrides) and installs python3-venv if missing.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
req_dir="$repo/bench/frameworks/requirements"
venv_root="${CNNBENCH_VENV_DIR:-$repo/.venvs}"
python="${CNNBENCH_PYTHON:-/usr/bin/python3}"
names=("$@")
if [ ${#names[@]} -eq 0 ]; then
  for f in "$req_dir"/*.txt; do names+=("$(basename "$f" .txt)"); done
fi
if ! "$python" -c 'import venv, ensurepip' 2>/dev/null; then
  echo "frameworks: installing python3-venv (Debian)"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends python3-venv
fi
mkdir -p "$venv_root"
status=0
for name in "${names[@]}"; do
  req="$req_dir/$name.txt"
  dir="$venv_root/$name"
  if [ ! -f "$req" ]; then
    echo "frameworks: $name: no requirements file $req (known: $(cd "$req_dir" && ls *.txt | sed 's/\.txt//' | tr '\n' ' '))" >&2
    status=2; continue
  fi
  if [ -x "$dir/bin/python" ] && cmp -s "$req" "$dir/cnnbench-requirements.txt"; then
    echo "frameworks: $name: up to date in $dir"; continue
  fi
  echo "frameworks: $name: creating $dir from $req"
  start=$(date +%s)
  rm -rf "$dir"
  "$python" -m venv "$dir"
  extra=()
  # A requirements file may say what pip needs beyond it, in a line "# pip-options: ...".
  opts="$(sed -n 's/^# pip-options: *//p' "$req")"
  if [ -n "$opts" ]; then read -r -a extra <<<"$opts"; fi
  if ! "$dir/bin/pip" install --quiet --disable-pip-version-check "${extra[@]}" -r "$req"; then
    echo "frameworks: $name: pip install failed; removing $dir" >&2
    rm -rf "$dir"; status=1; continue
  fi
  cp "$req" "$dir/cnnbench-requirements.txt"
  echo "frameworks: $name: done in $(( $(date +%s) - start )) s ($(du -sh "$dir" | cut -f1))"
done
exit $status
