from django.core.management.base import BaseCommand
from django.test.utils import override_settings

from demo.seed import seed_demo
from modules.models import Assembly, Module


class Command(BaseCommand):
    help = (
        "Load a fictional brand (Cardiozen) with about 30 modules, an e-detail, an email and an invitation, "
        "and one user per role. Safe to run again: existing objects and passwords are left as they are."
    )

    def handle(self, *args, **options):
        # Seeding sends the demo reviewers Wagtail's workflow notifications; they would bury the logins.
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
            created = seed_demo()
        self.stdout.write(
            f"Demo content: {Module.objects.count()} modules, {Assembly.objects.count()} assemblies."
        )
        if not created:
            self.stdout.write("Demo users already exist; their passwords were shown when they were created.")
            return
        self.stdout.write(self.style.WARNING("Development logins (shown once, keep them):"))
        for username, password, role in created:
            self.stdout.write(f"  {username:<12} {password:<16} {role}")
