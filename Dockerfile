# The app image: daphne serves the ASGI app; the same image runs the timer worker.
FROM python:3.12-slim

ENV PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1 PIP_DISABLE_PIP_VERSION_CHECK=1 VAR_DIR=/app/var
WORKDIR /app

COPY requirements/main.txt requirements/main.txt
RUN pip install --no-cache-dir -r requirements/main.txt

COPY . .
RUN python -m config.locales
# Static files collected into the image (hashed names, gzip and Brotli twins; served by
# WhiteNoise). Settings need a key to load: this one only ever exists at build time.
RUN DEBUG=0 SECRET_KEY=collectstatic-at-build-only python manage.py collectstatic --noinput -v 0
RUN useradd --system --home /app waitlist && mkdir -p /app/var && chown -R waitlist /app/var
USER waitlist

EXPOSE 8000
# Migrates, then runs daphne with the same command line as `make run` (config/launch.py).
CMD ["python", "-m", "config.launch", "web", "--host", "0.0.0.0", "--port", "8000"]
