# Inuvet Ajanvaraus: a small non-root image served by gunicorn.
# docker build -t inuvet . && docker run -e DJANGO_SECRET_KEY=... -e DATABASE_URL=postgres://... -p 8000:8000 inuvet

FROM python:3.11-slim-bookworm AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app
COPY pyproject.toml ./
RUN python -m venv /venv && /venv/bin/pip install --upgrade pip && /venv/bin/pip install .
COPY . .
RUN DJANGO_SECRET_KEY=build-only-not-a-secret-build-only-not-a-secret-xx \
    /venv/bin/python manage.py collectstatic --noinput -v0

FROM python:3.11-slim-bookworm
ENV PATH=/venv/bin:$PATH PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 DJANGO_VAR_DIR=/data
RUN useradd --system --uid 10001 --home-dir /app inuvet && mkdir /data && chown inuvet /data
WORKDIR /app
COPY --from=build /venv /venv
COPY --from=build --chown=root:root /app /app
USER inuvet
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --retries=3 \
    CMD python -c "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4).status != 200)"
# DJANGO_MIGRATE=on runs the migrations before serving (one instance at a time).
CMD ["sh", "-c", "if [ \"$DJANGO_MIGRATE\" = on ]; then python manage.py migrate --noinput; fi; exec gunicorn inuvet.wsgi -c gunicorn.conf.py"]
