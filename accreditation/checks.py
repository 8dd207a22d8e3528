"""Deployment checks for what the embedded defaults would get wrong in production."""

from django.conf import settings
from django.core import checks


@checks.register(checks.Tags.security, deploy=True)
def production_services(app_configs, **kwargs):
    found = []
    if not settings.REDIS_URL:
        found.append(
            checks.Warning(
                "REDIS_URL is not set: the cache is per process, so sign-in rate limits are too.",
                hint="Set REDIS_URL to a Redis server shared by every process.",
                id="accreditation.W001",
            )
        )
    if not settings.EMAIL_HOST:
        found.append(
            checks.Warning(
                "EMAIL_HOST is not set: mail, sign-in links included, goes to the console and var/mail/.",
                hint="Set EMAIL_HOST and the other EMAIL_* variables to an SMTP server.",
                id="accreditation.W002",
            )
        )
    return found
