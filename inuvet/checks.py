"""Checks that stop a broken deploy at start-up instead of at the first request. Django runs them
for `manage.py check`, `migrate` and `runserver`; every gunicorn worker runs the STARTUP ones
before it serves (gunicorn.conf.py), and the server stops with the message."""

from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import ManifestFilesMixin, staticfiles_storage
from django.core.checks import Error, register

STARTUP = "inuvet_startup"
_COLLECT = "Run `python manage.py collectstatic --noinput` with the same settings before starting the app."


@register(STARTUP)
def static_files_collected(app_configs=None, **kwargs) -> list[Error]:
    """With hashed static file names (production), every static file must be in the manifest that
    collectstatic writes: a page linking a missing one fails with a server error."""
    if not isinstance(staticfiles_storage, ManifestFilesMixin):
        return []  # development and tests serve the source files
    where = f"{staticfiles_storage.location}/{staticfiles_storage.manifest_name}"
    try:
        collected, _ = staticfiles_storage.load_manifest()
    except ValueError:
        return [Error(f"The static files manifest {where} cannot be read.", hint=_COLLECT, id="inuvet.E001")]
    if not collected:
        return [
            Error(f"Static files are not collected: {where} is missing.", hint=_COLLECT, id="inuvet.E001")
        ]
    missing = sorted(
        {path for finder in finders.get_finders() for path, _ in finder.list(["CVS", ".*", "*~"])}
        - set(collected)
    )
    if missing:
        return [
            Error(
                f"Static files are out of date: {len(missing)} are not in {where} ({', '.join(missing[:3])}…).",
                hint=_COLLECT,
                id="inuvet.E002",
            )
        ]
    return []
