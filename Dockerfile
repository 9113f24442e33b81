# One image for every role: web (gunicorn), worker (rqworker), ray-head and ray-worker.
# Ray actors import `analysis` from /app, so the Ray nodes run this same image.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PYTHONPATH=/app \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    TF_CPP_MIN_LOG_LEVEL=2 \
    RAY_USAGE_STATS_ENABLED=0

WORKDIR /app

# Dependencies first, so code changes do not reinstall them. The dlib-bin wheel
# provides dlib (no compiler needed); face-recognition and fer go in with
# --no-deps because their metadata names packages we replace or do not use.
COPY requirements.txt requirements-nodeps.txt ./
RUN pip install -r requirements.txt \
 && pip install --no-deps -r requirements-nodeps.txt

# The project, directory by directory: never the local .venv, var/ (SQLite,
# the local secret key, uploads) or .git.
COPY manage.py pyproject.toml ./
COPY emotion_site ./emotion_site
COPY accounts ./accounts
COPY videos ./videos
COPY analysis ./analysis
COPY templates ./templates
COPY static ./static

# Static files (plotly.js included) are collected into the image; whitenoise serves them.
# A throw-away key, so settings do not write one into the image.
RUN SECRET_KEY=collectstatic-only python manage.py collectstatic --noinput --verbosity 0

RUN useradd --create-home --uid 1000 app \
 && mkdir -p /data/media /app/var \
 && chown -R app:app /data /app/var
USER app

EXPOSE 8000
CMD ["gunicorn", "emotion_site.wsgi", "--bind", "0.0.0.0:8000", "--workers", "2", "--threads", "4", \
     "--timeout", "600", "--access-logfile", "-"]
