# Source this for local Airflow runs: `source airflow/env.sh` (from anywhere).
# Airflow's home and metadata DB live under .run/airflow (gitignored). The pipelines'
# own variables (DATABASE_URL, GCS_*, FEATURE_STORE_URL, ...) come from your environment
# or .env; see docs/ingestion.md.
_titanic_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export AIRFLOW_HOME="${AIRFLOW_HOME:-$_titanic_root/.run/airflow}"
export AIRFLOW__CORE__DAGS_FOLDER="$_titanic_root/airflow/dags"
export AIRFLOW__CORE__LOAD_EXAMPLES=False
export AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION=False
export AIRFLOW__API__PORT="${AIRFLOW__API__PORT:-8080}"
export PATH="$_titanic_root/airflow/.venv/bin:$PATH"  # `airflow standalone` needs it
mkdir -p "$AIRFLOW_HOME"
unset _titanic_root
