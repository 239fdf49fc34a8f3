"""Test runs use the product's one settings module, with a throwaway key and plain http."""

import os

os.environ.setdefault("DJANGO_SECRET_KEY", "tests-only-secret-key-" + "x" * 40)
os.environ.setdefault("DJANGO_HTTPS", "off")

from inuvet.settings import *  # noqa: E402, F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast users in tests
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STAFF_REQUIRE_2FA = False  # tests/test_two_factor.py turns it on
OUTBOX_DELIVERY = "inline"  # emails are in mail.outbox when the request returns
SMS_BACKEND = "memory"  # text messages are in notifications.sms.provider().sent
# Static files straight from the source folders: no collectstatic before a test run.
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}  # noqa: F405
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
