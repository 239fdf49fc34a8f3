"""The bare page the benchmark compares against: Django rendering one small template.

No database, no sessions, no authentication; the two middlewares a plain `startproject` page
would still pass through for a static answer (security headers, common). Served by the same
gunicorn command and config file as the app, so that the difference is the app's own work.
"""

import os
from pathlib import Path

DEBUG = False
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "bench-bare-page-" + "x" * 50)
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
ROOT_URLCONF = "baresite.urls"
INSTALLED_APPS: list[str] = []
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.common.CommonMiddleware",
]
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [Path(__file__).resolve().parent / "templates"],
    }
]
DATABASES: dict = {}
USE_TZ = True
TIME_ZONE = "Europe/Helsinki"
LOGGING_CONFIG = None
