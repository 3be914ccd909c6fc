"""ASGI entry point, served by daphne. Static files are served by the same process (there
are few of them and they are cached by the browser); a CDN can take over in production."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

django_application = get_asgi_application()

from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler  # noqa: E402

application = ASGIStaticFilesHandler(django_application)
