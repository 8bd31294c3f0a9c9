# Smallbatch image: one image for web (gunicorn), worker and beat (see docker-compose.yml).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    # The project directory comes first on the path, so settings.BASE_DIR is /app (templates,
    # static) whichever command imports it: gunicorn, celery or manage.py.
    PYTHONPATH=/app \
    STATIC_ROOT=/app/staticfiles

WORKDIR /app

RUN groupadd --system --gid 1000 smallbatch \
    && useradd --system --uid 1000 --gid smallbatch --home-dir /app --shell /usr/sbin/nologin smallbatch

# Dependencies and the packages (psycopg2-binary is a wheel: no compiler needed).
COPY pyproject.toml README.md ./
COPY network_app ./network_app
COPY people ./people
COPY causes ./causes
RUN pip install .

COPY manage.py ./
COPY templates ./templates
COPY static ./static

# Static files are collected at build time. The key below exists only for this one command
# (it is not an ENV, so it is not in the image); the running containers need a real SECRET_KEY.
RUN SECRET_KEY=build-time-collectstatic-only-not-a-secret python manage.py collectstatic --noinput \
    && mkdir -p /app/var \
    && chown -R smallbatch:smallbatch /app/staticfiles /app/var

USER smallbatch

EXPOSE 8000

CMD ["gunicorn", "network_app.wsgi", "-b", "0.0.0.0:8000", "--workers", "3"]
