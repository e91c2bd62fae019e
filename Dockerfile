# syntax=docker/dockerfile:1
# Image for the portal's web process (gunicorn) and its Celery worker; see docs/deployment.md.
# Two stages: Node.js and npm exist only in the first, which fetches Bootstrap, Bootstrap Icons
# and htmx exactly as `make assets` does; the final image has Python and the system libraries.

ARG PYTHON_IMAGE=python:3.11-slim-bookworm

# --- Stage 1: front-end assets into static/vendor (mirrors the Makefile `assets` target) ------
FROM ${PYTHON_IMAGE} AS assets
# Debian's packages follow the bookworm base image; npm ci pins the front-end versions.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends nodejs npm \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /build
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund --ignore-scripts --loglevel=error \
    && mkdir -p static/vendor/bootstrap static/vendor/bootstrap-icons \
    && cp node_modules/bootstrap/dist/css/bootstrap.min.css* static/vendor/bootstrap/ \
    && cp node_modules/bootstrap/dist/js/bootstrap.bundle.min.js* static/vendor/bootstrap/ \
    && cp -r node_modules/bootstrap-icons/font/bootstrap-icons.min.css \
          node_modules/bootstrap-icons/font/fonts static/vendor/bootstrap-icons/ \
    && cp node_modules/htmx.org/dist/htmx.min.js static/vendor/ \
    && touch static/vendor/.installed

# --- Stage 2: the runtime image ---------------------------------------------------------------
FROM ${PYTHON_IMAGE} AS runtime

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_INPUT=1 \
    PYTHONPATH=/app

# fonts-noto-cjk: Chinese glyphs in PDFs; libharfbuzz-subset0 + Pango: WeasyPrint's text stack;
# gettext: compilemessages; poppler-utils: pdfsig/pdffonts for dossier checks.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        fonts-noto-cjk \
        libharfbuzz-subset0 \
        libpango-1.0-0 \
        libpangoft2-1.0-0 \
        gettext \
        poppler-utils \
    && rm -rf /var/lib/apt/lists/*

RUN groupadd --system --gid 10001 portal \
    && useradd --system --uid 10001 --gid portal --home-dir /app --no-create-home \
        --shell /usr/sbin/nologin portal

WORKDIR /app

# Dependencies first, so that a code change does not reinstall them. pyproject.toml declares no
# packages ([tool.setuptools] packages = []): `pip install .` installs only the dependencies and
# the code runs from /app, the working directory.
COPY pyproject.toml ./
RUN pip install . && rm -rf build ./*.egg-info

COPY . .
COPY --from=assets /build/static/vendor ./static/vendor

# Translations (.mo files are not committed) and static files into var/staticfiles, served by
# WhiteNoise. DEBUG=true only for these build steps: they need no SECRET_KEY or database.
RUN if [ -d locale ]; then \
        DEBUG=true python manage.py compilemessages -v 0; \
    else \
        echo "No locale/ directory: no translations to compile"; \
    fi \
    && DEBUG=true python manage.py collectstatic --no-input -v 0 \
    && mkdir -p /app/var /data/media /data/beat /data/audit-checkpoints \
    && chown -R portal:portal /app/var /data/media /data/beat /data/audit-checkpoints

# Production by default; docker-compose.yml passes SECRET_KEY, DATABASE_URL and the rest.
ENV DEBUG=false \
    MEDIA_ROOT=/data/media

# Numeric, so that runtimes enforcing a non-root user can verify it.
USER 10001:10001
EXPOSE 8000

# Extra gunicorn options (workers, timeout) come from GUNICORN_CMD_ARGS.
CMD ["gunicorn", "portal.wsgi:application", "--bind", "0.0.0.0:8000", \
     "--access-logfile", "-", "--error-logfile", "-", "--no-control-socket"]
