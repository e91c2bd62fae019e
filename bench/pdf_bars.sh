#!/bin/sh
# The dossier and filing-package bars of docs/benchmarks.md ("Filing dossier" with "Large
# dossiers in parallel", "Filing packages") in one command, with the load average before and after; run it on an idle machine:
#
#     sh bench/pdf_bars.sh            # 12 minutes at load 4-5 on 2 cores, less when idle
#
# Creates and drops the PostgreSQL databases portal_bench_dossier and portal_bench_package
# (BENCH_DB_URL, default postgres://postgres@127.0.0.1:5432, names the server; BENCH_DB_PREFIX,
# default portal_bench, the start of the two names).
set -eu
cd "$(dirname "$0")/.."
server=${BENCH_DB_URL:-postgres://postgres@127.0.0.1:5432}
prefix=${BENCH_DB_PREFIX:-portal_bench}
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) cores, $(date -u '+%Y-%m-%d %H:%M UTC')"
DATABASE_URL=$server/${prefix}_dossier .venv/bin/python bench/bench_dossier.py \
    --editions zh,bilingual --runs 2
DATABASE_URL=$server/${prefix}_dossier .venv/bin/python bench/bench_dossier.py \
    --editions bilingual --runs 2 --long-answers 12000 --parallel 2
DATABASE_URL=$server/${prefix}_package .venv/bin/python bench/bench_filing_package.py \
    --runs 5 --routes gai_filing
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
