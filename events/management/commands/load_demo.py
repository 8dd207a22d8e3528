from django.core.management.base import BaseCommand

from events.demo import load_demo


class Command(BaseCommand):
    help = "Load the demonstration calls, meetings and venues. Running it again changes nothing."

    def handle(self, *args, **options):
        report = load_demo()
        self.stdout.write(f"Demonstration data loaded: {report.created} new rows.")
