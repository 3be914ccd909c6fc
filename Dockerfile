# The app image: daphne serves the ASGI app; the same image runs the timer worker.
FROM python:3.12-slim

ENV PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1 PIP_DISABLE_PIP_VERSION_CHECK=1 VAR_DIR=/app/var
WORKDIR /app

COPY pyproject.toml README.md ./
RUN pip install --no-cache-dir .

COPY . .
RUN useradd --system --home /app waitlist && mkdir -p /app/var && chown -R waitlist /app/var
USER waitlist

EXPOSE 8000
# --proxy-headers: behind a load balancer, rate limits must see the diner's address, not the proxy's.
# backlog: a thousand pages reconnecting at once must not overflow the listen queue (config/launch.py).
CMD ["sh", "-c", "python manage.py migrate --noinput && exec daphne --proxy-headers -e tcp:port=8000:interface=0.0.0.0:backlog=1024 config.asgi:application"]
