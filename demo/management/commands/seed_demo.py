from django.core.management.base import BaseCommand, CommandError
from django.test.utils import override_settings

from demo.logins import LANDING, demo_passwords_reset
from demo.seed import DEMO_USERS, seed_demo
from modules.models import Assembly, Module

RESET_HINT = (
    "Lost a login? `.venv/bin/python manage.py seed_demo --reset-passwords` gives every demo user a new "
    "password (or `manage.py changepassword USERNAME` for one)."
)


class Command(BaseCommand):
    help = (
        "Load a fictional brand (Cardiozen) with about 30 modules, an e-detail, an email and an invitation, "
        "and one user per role, then say where each logs in. Safe to run again: existing objects and "
        "passwords are left as they are. --reset-passwords gives every demo user a new password instead."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--reset-passwords",
            action="store_true",
            help="Give every demo user a new random password and print it; seeds nothing.",
        )
        parser.add_argument(
            "--base-url",
            default="http://127.0.0.1:8000",
            help="Where the server runs, for the login table (default: %(default)s; make run passes it).",
        )

    def handle(self, *args, reset_passwords, base_url, **options):
        base_url = base_url.rstrip("/")
        if reset_passwords:
            reset = demo_passwords_reset()
            if not reset:
                raise CommandError("There are no demo users yet: run `manage.py seed_demo` first.")
            self.logins(base_url, dict(reset), "New development logins (shown once, keep them):")
            return
        # Seeding sends the demo reviewers Wagtail's workflow notifications; they would bury the logins.
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
            created = seed_demo()
        self.stdout.write(
            f"Demo content: {Module.objects.count()} modules, {Assembly.objects.count()} assemblies."
        )
        if created:
            passwords = {username: password for username, password, _ in created}
            self.logins(base_url, passwords, "Development logins (shown once, keep them):")
        else:
            self.stdout.write("The demo exists already; its passwords were shown by the run that created it.")
            self.logins(base_url, {}, "Where to log in:")
        self.stdout.write(RESET_HINT)

    def logins(self, base_url: str, passwords: dict[str, str], heading: str) -> None:
        self.stdout.write(self.style.WARNING(heading))
        for username, *_ in DEMO_USERS:
            if passwords and username not in passwords:
                continue
            path, role = LANDING[username]
            password = f"{passwords[username]:<16} " if passwords else ""
            self.stdout.write(f"  {username:<12} {password}{base_url}{path:<16} {role}")
