"""Where each demo user logs in, and new passwords when a development login is lost."""

import secrets

from django.contrib.auth import get_user_model
from django.db import transaction

from review.audit import audit_record

from .seed import DEMO_USERS

# Where each role lands. Reps have no portal yet (issue: rep portal at /reps/); they use the API.
LANDING = {
    "admin": ("/admin/", "administrator: everything"),
    "author": ("/admin/", "author: Modules and Assemblies, Submit for review"),
    "medical": ("/admin/review/", "medical reviewer: review dashboard"),
    "legal": ("/admin/review/", "legal reviewer: review dashboard"),
    "regulatory": ("/admin/review/", "regulatory reviewer: review dashboard"),
    "coordinator": ("/admin/review/", "review coordinator: every open review"),
    "rep": ("/reps/", "field rep: the rep portal (search, previews, approved email)"),
}


def new_password() -> str:
    return secrets.token_urlsafe(9)


@transaction.atomic
def demo_passwords_reset() -> list[tuple[str, str]]:
    """A new random password for every demo user that exists; returns (username, password) pairs."""
    users = get_user_model().objects.select_for_update().filter(username__in=[u[0] for u in DEMO_USERS])
    reset = []
    for user in users.order_by("pk"):
        password = new_password()
        user.set_password(password)
        user.save(update_fields=["password"])
        # A credential change is attributable (21 CFR 11.300); the password itself is never recorded.
        audit_record(
            action="auth.password_reset",
            object_type="auth.user",
            object_id=str(user.pk),
            object_repr=user.username,
            data={"username": user.username, "by": "manage.py seed_demo --reset-passwords"},
        )
        reset.append((user.username, password))
    return reset
