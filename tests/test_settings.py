"""Configuration from the environment, checked in fresh processes as an operator would run them."""

import email
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core import mail
from django.core.cache import caches
from django.core.mail import EmailMultiAlternatives

ROOT = Path(__file__).resolve().parent.parent

PRODUCTION = {
    "DJANGO_SETTINGS_MODULE": "accreditation.settings",
    "DJANGO_DEBUG": "0",
    "DJANGO_SECRET_KEY": "s" * 20 + "0123456789abcdefghijklmnopqrstuvwxyzABCDEF",
    "DJANGO_ALLOWED_HOSTS": "accreditation.example.org",
    "SITE_URL": "https://accreditation.example.org",
    "EMAIL_HOST": "smtp.example.org",
    "REDIS_URL": "redis://127.0.0.1:6379/15",
}


def manage(*args, env_overrides, tmp_path):
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "EMAIL_", "REDIS_", "AWS_"))
    }
    env.update({"DJANGO_VAR_DIR": str(tmp_path), **env_overrides})
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_deploy_check_reports_no_warning_with_production_variables(tmp_path):
    result = manage(
        "check", "--deploy", "--fail-level", "WARNING", env_overrides=PRODUCTION, tmp_path=tmp_path
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


@pytest.mark.parametrize(
    ("missing", "added", "check_id"),
    [
        ("REDIS_URL", {}, "accreditation.W001"),
        ("EMAIL_HOST", {"DJANGO_EMBEDDED_MAIL": "1"}, "accreditation.W002"),
    ],
)
def test_deploy_check_warns_when_production_would_use_an_embedded_default(
    tmp_path, missing, added, check_id
):
    env = {key: value for key, value in PRODUCTION.items() if key != missing} | added

    result = manage(
        "check", "--deploy", "--fail-level", "WARNING", env_overrides=env, tmp_path=tmp_path
    )

    assert result.returncode != 0
    assert check_id in result.stderr + result.stdout


def test_refuses_to_start_without_a_secret_key_when_debug_is_off(tmp_path):
    env = {key: value for key, value in PRODUCTION.items() if key != "DJANGO_SECRET_KEY"}

    result = manage("check", env_overrides=env, tmp_path=tmp_path)

    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is not set" in result.stderr


def test_starts_with_a_development_key_when_debug_is_on(tmp_path):
    result = manage("check", env_overrides={"DJANGO_DEBUG": "1"}, tmp_path=tmp_path)

    assert result.returncode == 0, result.stderr


def test_a_fresh_clone_migrates_into_a_sqlite_file_under_var(tmp_path):
    var_dir = tmp_path / "fresh" / "var"

    result = manage(
        "migrate",
        "--no-input",
        env_overrides={"DJANGO_DEBUG": "1", "DATABASE_URL": "", "DJANGO_VAR_DIR": str(var_dir)},
        tmp_path=tmp_path,
    )

    assert result.returncode == 0, result.stderr
    assert (var_dir / "db.sqlite3").stat().st_size > 0


def test_redis_url_puts_the_cache_in_redis(tmp_path):
    redis_url = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    script = (
        "from django.core.cache import cache; "
        "cache.set('probe', 'from-redis', 30); "
        "import redis, os; "
        "keys = redis.Redis.from_url(os.environ['REDIS_URL']).keys('*probe*'); "
        "print(cache.get('probe'), len(keys))"
    )

    result = manage(
        "shell", "--no-imports", "-c", script,
        env_overrides={"DJANGO_DEBUG": "1", "REDIS_URL": redis_url},
        tmp_path=tmp_path,
    )  # fmt: skip

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["from-redis", "1"]


def test_without_redis_the_cache_is_local_memory():
    assert caches["default"].__class__.__name__ == "LocMemCache"


def test_without_smtp_each_message_goes_to_the_console_and_its_own_eml_file(
    settings, tmp_path, capsys
):
    settings.EMAIL_BACKEND = "accreditation.mail.ConsoleAndFileBackend"
    settings.EMAIL_FILE_PATH = tmp_path / "mail"
    first = EmailMultiAlternatives(
        "Your application SA-2030-00001", "Plain text", to=["a@example.org"]
    )
    first.attach_alternative("<p>HTML</p>", "text/html")
    second = EmailMultiAlternatives("Second message", "Body", to=["b@example.org"])

    sent = mail.get_connection().send_messages([first, second])

    files = sorted((tmp_path / "mail").glob("*.eml"))
    assert sent == 2
    assert len(files) == 2
    subjects = sorted(email.message_from_bytes(path.read_bytes())["Subject"] for path in files)
    assert subjects == ["Second message", "Your application SA-2030-00001"]
    assert "Your application SA-2030-00001" in capsys.readouterr().out


def test_refuses_to_start_without_smtp_when_debug_is_off(tmp_path):
    env = {key: value for key, value in PRODUCTION.items() if key != "EMAIL_HOST"}

    result = manage("check", env_overrides=env, tmp_path=tmp_path)

    assert result.returncode != 0
    assert "EMAIL_HOST is not set" in result.stderr


def test_embedded_mail_without_debug_keeps_sign_in_links_out_of_the_console(
    settings, tmp_path, capsys
):
    settings.DEBUG = False
    settings.EMAIL_BACKEND = "accreditation.mail.ConsoleAndFileBackend"
    settings.EMAIL_FILE_PATH = tmp_path / "mail"
    link = "https://accreditation.example.org/s/Zx81_secret-token-value"
    message = EmailMultiAlternatives(
        "Your sign-in link", f"Sign in: {link}\nDéjà vu, in French too.", to=["a@example.org"]
    )
    message.attach_alternative(f'<p><a href="{link}">{link}</a></p>', "text/html")

    mail.get_connection().send_messages([message])

    console = capsys.readouterr().out
    assert "Zx81_secret-token-value" not in console
    assert "/s/[redacted]" in console
    assert "Subject: Your sign-in link" in console
    assert "Déjà vu" in console
    # The file, for whoever runs the machine, keeps the message whole.
    (saved,) = (tmp_path / "mail").glob("*.eml")
    assert "Zx81_secret-token-value" in saved.read_text()


@pytest.mark.parametrize("variable", ["DATABASE_URL", "DJANGO_SECRET_KEY", "DJANGO_DEBUG", "DJANGO_ALLOWED_HOSTS", "SITE_URL", "EMAIL_HOST", "EMAIL_PORT", "EMAIL_HOST_USER", "EMAIL_HOST_PASSWORD", "EMAIL_USE_TLS", "DEFAULT_FROM_EMAIL", "REDIS_URL", "DJANGO_EMBEDDED_MAIL", "AWS_STORAGE_BUCKET_NAME", "AWS_S3_ENDPOINT_URL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"])  # fmt: skip
def test_every_variable_is_documented_in_the_readme(variable):
    assert f"`{variable}`" in (ROOT / "README.md").read_text()
