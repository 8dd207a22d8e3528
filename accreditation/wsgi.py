"""WSGI entry point: `gunicorn accreditation.wsgi`."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "accreditation.settings")

application = get_wsgi_application()
