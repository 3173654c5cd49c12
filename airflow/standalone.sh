#!/usr/bin/env bash
# Run Airflow locally (api-server on :8080, scheduler, dag-processor, triggerer) with the
# titanic DAGs: builds the venv if needed, migrates the metadata DB, then `airflow standalone`.
# Load .env first if you keep settings there: `set -a; . ./.env; set +a; airflow/standalone.sh`.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
"$here/setup.sh"
# shellcheck source=/dev/null
source "$here/env.sh"
airflow db migrate >/dev/null
exec airflow standalone
