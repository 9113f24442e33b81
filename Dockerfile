# One image for every role: web (gunicorn), worker (rqworker), ray-head and ray-worker.
# Ray actors import `analysis` from /app, so the Ray nodes run this same image.

# Stage 0 (unnamed, referred to as --from=0): dlib compiled against OpenBLAS. The dlib-bin wheel has
# no BLAS, and its 128-d face encoding is ~4-5x slower (about 74 ms against 16 ms a face on one core).
# This stage depends on nothing from the project, so it is built once and then reused from the layer
# cache until DLIB_VERSION changes (~12 minutes on 2 cores). dlib's setup enables AVX when the building
# machine has it, as the dlib-bin wheel also requires: build the image on an x86-64 machine with AVX.
FROM python:3.11-slim
ARG DLIB_VERSION=20.0.1
RUN apt-get update \
 && apt-get install -y --no-install-recommends build-essential libopenblas-dev pkg-config \
 && rm -rf /var/lib/apt/lists/*
RUN pip wheel --no-cache-dir --no-deps --no-binary dlib "dlib==${DLIB_VERSION}" -w /wheels

# The image itself.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PYTHONPATH=/app \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    TF_CPP_MIN_LOG_LEVEL=2 \
    RAY_USAGE_STATS_ENABLED=0

WORKDIR /app

# OpenBLAS: the run-time library of stage 0's dlib.
RUN apt-get update \
 && apt-get install -y --no-install-recommends libopenblas0 \
 && rm -rf /var/lib/apt/lists/*

# Dependencies first, so code changes do not reinstall them. dlib comes from stage 0 instead of
# requirements.txt's dlib-bin, so that line is dropped from the image's copy of the file;
# face-recognition and fer go in with --no-deps because their metadata names packages we replace
# or do not use.
COPY requirements.txt requirements-nodeps.txt ./
RUN sed -i '/^dlib-bin/d' requirements.txt \
 && pip install -r requirements.txt \
 && pip install --no-deps -r requirements-nodeps.txt
COPY --from=0 /wheels /tmp/wheels
RUN pip install --no-deps /tmp/wheels/dlib-*.whl \
 && rm -rf /tmp/wheels \
 && python -c "import dlib; assert dlib.DLIB_USE_BLAS, 'dlib was built without BLAS'"

# The project, directory by directory: never the local .venv, var/ (SQLite,
# the local secret key, uploads) or .git.
COPY manage.py pyproject.toml ./
COPY emotion_site ./emotion_site
COPY accounts ./accounts
COPY videos ./videos
COPY analysis ./analysis
COPY emotion_training ./emotion_training
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
