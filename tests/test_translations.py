"""Every user-visible string has a Finnish and a Swedish translation, and the committed .mo
files are compiled from the committed .po files."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LANGUAGES = ["fi", "sv"]
NOT_COPIED = [".git", ".venv", ".vnu", "var", "test-output", "staticfiles", "__pycache__"]
NOT_PRODUCT = ["tests", "bench"]
needs_gettext = pytest.mark.skipif(
    not shutil.which("msgfmt") or not shutil.which("xgettext"),
    reason="gettext is not installed (apt-get install gettext)",
)


@needs_gettext
def test_no_string_in_the_code_lacks_a_translation(tmp_path):
    # makemessages writes next to the sources it reads, so it runs on a copy of the project.
    copy = tmp_path / "project"
    shutil.copytree(ROOT, copy, ignore=shutil.ignore_patterns(*NOT_COPIED))
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", *(f"-l{lang}" for lang in LANGUAGES), "--no-obsolete",
         *(f"--ignore={name}" for name in NOT_COPIED + NOT_PRODUCT)],
        cwd=copy,
        env={"DJANGO_SETTINGS_MODULE": "tests.settings", "PATH": os.environ["PATH"]},
        check=True,
        capture_output=True,
        timeout=300,
    )  # fmt: skip
    for lang in LANGUAGES:
        po = copy / "locale" / lang / "LC_MESSAGES" / "django.po"
        for flag in ("--untranslated", "--only-fuzzy"):
            missing = subprocess.run(
                ["msgattrib", flag, "--no-wrap", str(po)], capture_output=True, text=True
            ).stdout
            assert not missing.strip(), f"{lang} {flag}:\n{missing[:3000]}"


@needs_gettext
@pytest.mark.parametrize("lang", LANGUAGES)
def test_compiled_catalogues_match_the_sources(tmp_path, lang):
    folder = ROOT / "locale" / lang / "LC_MESSAGES"
    compiled = tmp_path / "django.mo"
    subprocess.run(["msgfmt", "--check", "-o", str(compiled), str(folder / "django.po")], check=True)
    assert compiled.read_bytes() == (folder / "django.mo").read_bytes(), "run: make messages"
