#!/usr/bin/env bash
# Install what running and testing need on a fresh Debian machine, idempotently:
# uv, Debian packages (Prometheus, Pushgateway, Chromium, Redis, PostgreSQL client),
# the locked Python environment, and the separate Airflow environment.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
for pair in prometheus:prometheus promtool:prometheus prometheus-pushgateway:prometheus-pushgateway \
            chromium:chromium redis-server:redis-server psql:postgresql-client wrk:wrk; do
  bin=${pair%%:*}; pkg=${pair#*:}
  command -v "$bin" >/dev/null 2>&1 || need_apt+=("$pkg")
done
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "installing Debian packages: ${need_apt[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      $(printf '%s\n' "${need_apt[@]}" | sort -u) >/dev/null
  else
    echo "missing Debian packages (install them as root): ${need_apt[*]}" >&2
    exit 1
  fi
fi

if ! command -v uv >/dev/null 2>&1; then
  echo "installing uv"
  python3 -m pip install -q uv
fi

uv sync --frozen --quiet
if [ -f airflow/setup.sh ]; then
  bash airflow/setup.sh
fi
