#!/usr/bin/env bash
# Entrypoint of the sheqing image (docker/Dockerfile).
#   sheqing ...   run the sheqing command directly (the web page, the one-shot set-up, `docker compose run`)
#   anything else goes to the Airflow image's entrypoint: `api-server`, `scheduler`, `celery worker`,
#                 `bash`, `python` ... (it waits for the metadata database, then runs `airflow ...`)
set -euo pipefail

if [[ "${1:-}" == "sheqing" ]]; then
    umask 0002   # files in the shared /data volume stay writable for group 0, as Airflow's entrypoint does
    exec "$@"
fi
exec /entrypoint "$@"
