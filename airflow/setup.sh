#!/usr/bin/env bash
# Create or refresh airflow/.venv, Airflow's own environment (its pins clash with the
# services'). Idempotent: a no-op when neither requirements.txt nor the dependencies of
# services/common (installed from it) have changed since the last run.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
venv="$here/.venv"
stamp="$venv/.requirements.sha256"
want="$(cat "$here/requirements.txt" "$root/services/common/pyproject.toml" | sha256sum | cut -d' ' -f1)"

if [[ -x "$venv/bin/airflow" && -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
    exit 0
fi
cd "$root"  # requirements.txt names services/common relative to the repo root
[[ -x "$venv/bin/python" ]] || uv venv -q -p 3.11 "$venv"
uv pip install -q -p "$venv/bin/python" -r "$here/requirements.txt"
echo "$want" > "$stamp"
echo "airflow venv ready: $venv"
