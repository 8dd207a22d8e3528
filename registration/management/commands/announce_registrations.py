from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from registration.services import announce_open_registrations


class Command(BaseCommand):
    help = _(
        "Mail the focal points of every organization that may register representatives, once "
        "per call, when the call's registration window has opened. Run it every few minutes."
    )

    def handle(self, *args, **options):
        mailed = announce_open_registrations()
        self.stdout.write(_("%(count)d focal points mailed.") % {"count": mailed})
