"""Login lockout on the admin sign-in form: counted, audited, refused with 429, unlocked by a superuser."""

import datetime

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.models import Group
from django.urls import reverse

from review import roles
from review.audit import audit_verify
from review.models import AuditEntry
from tests import factories

pytestmark = pytest.mark.django_db

LOGIN = "/admin/login/"


@pytest.fixture
def author(db):
    roles.ensure_role_groups()
    user = factories.UserFactory(username="alex")
    user.groups.add(Group.objects.get(name=roles.AUTHORS))
    return user


def sign_in(client, username, password, address="10.0.0.7"):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=address)


def signed_in_as(client):
    response = client.get("/admin/")
    return response.status_code == 200 and response.context["request"].user.get_username()


def test_wrong_passwords_lock_the_account_and_the_right_one_is_then_refused(client, author, settings):
    settings.AXES_FAILURE_LIMIT = 5

    statuses = [sign_in(client, "alex", f"guess-{n}").status_code for n in range(5)]
    locked = sign_in(client, "alex", factories.PASSWORD)

    assert statuses == [200, 200, 200, 200, 429]
    assert locked.status_code == 429
    assert "Sign-in locked" in locked.content.decode()
    assert not signed_in_as(client)


def test_failures_and_the_lockout_are_in_the_audit_trail(client, author, settings):
    settings.AXES_FAILURE_LIMIT = 3

    for n in range(3):
        sign_in(client, "alex", f"guess-{n}", address="192.0.2.44")

    failures = AuditEntry.objects.filter(action="auth.login_failed").order_by("sequence")
    assert [entry.data["username"] for entry in failures] == ["alex"] * 3
    assert {entry.data["ip_address"] for entry in failures} == {"192.0.2.44"}
    assert [entry.data["locked_out"] for entry in failures] == [False, False, True]
    locked = AuditEntry.objects.get(action="auth.login_locked")
    assert locked.data == {"username": "alex", "ip_address": "192.0.2.44"}
    assert locked.object_repr == "alex"
    assert audit_verify().intact


def test_lockout_ends_after_the_cool_off(client, author, settings):
    settings.AXES_FAILURE_LIMIT = 2
    settings.AXES_COOLOFF_TIME = datetime.timedelta(minutes=15)
    for n in range(2):
        sign_in(client, "alex", f"guess-{n}")
    assert sign_in(client, "alex", factories.PASSWORD).status_code == 429

    # The cool-off counts from the last failure.
    sixteen_minutes_ago = datetime.datetime.now(datetime.UTC) - datetime.timedelta(minutes=16)
    AccessAttempt.objects.update(attempt_time=sixteen_minutes_ago)

    assert sign_in(client, "alex", factories.PASSWORD).status_code == 302
    assert signed_in_as(client) == "alex"


def test_many_usernames_from_one_address_are_locked_too(client, author, settings):
    settings.AXES_FAILURE_LIMIT = 3
    for name in ("amy", "bob"):
        sign_in(client, name, "password1", address="198.51.100.9")

    assert sign_in(client, "carol", "password1", address="198.51.100.9").status_code == 429
    # Another address is unaffected.
    assert sign_in(client, "alex", factories.PASSWORD, address="203.0.113.5").status_code == 302


def test_a_superuser_unlocks_the_account_in_the_admin(client, author, admin_user, settings):
    settings.AXES_FAILURE_LIMIT = 2
    for n in range(2):
        sign_in(client, "alex", f"guess-{n}")
    attempt = AccessAttempt.objects.get(username="alex")

    admin = client.__class__()
    admin.force_login(admin_user)
    listing = admin.get(reverse("login_lockouts:index"))
    assert listing.status_code == 200
    assert "alex" in listing.content.decode()
    found = admin.get(reverse("login_lockouts:index"), {"q": "ale"})
    assert found.status_code == 200
    assert found.context["object_list"][0].username == "alex"
    assert not admin.get(reverse("login_lockouts:index"), {"q": "nobody"}).context["object_list"]
    response = admin.post(reverse("login_lockouts:delete", args=[attempt.pk]), follow=True)

    assert "Sign-in for “alex” is unlocked." in [str(m).strip() for m in response.context["messages"]]
    assert not AccessAttempt.objects.filter(username="alex").exists()
    unlocked = AuditEntry.objects.get(action="auth.login_unlocked")
    assert unlocked.actor == admin_user
    assert unlocked.data == {"username": "alex", "failures_cleared": 2}
    assert sign_in(client, "alex", factories.PASSWORD).status_code == 302
    assert signed_in_as(client) == "alex"


def test_only_superusers_see_or_unlock_lockouts(client, author, settings):
    settings.AXES_FAILURE_LIMIT = 2
    for n in range(2):
        sign_in(client, "someone", f"guess-{n}")
    attempt = AccessAttempt.objects.get(username="someone")
    client.force_login(author)

    assert client.get(reverse("login_lockouts:index")).status_code in (302, 403)
    assert client.post(reverse("login_lockouts:delete", args=[attempt.pk])).status_code in (302, 403)
    assert client.get(reverse("login_lockouts:edit", args=[attempt.pk])).status_code in (302, 403)
    assert AccessAttempt.objects.filter(username="someone").exists()
    assert not AuditEntry.objects.filter(action="auth.login_unlocked").exists()


def test_superusers_cannot_edit_or_forge_attempts(admin_client):
    assert admin_client.get(reverse("login_lockouts:add")).status_code in (302, 403)


def test_behind_a_proxy_the_forwarded_address_is_counted_and_cannot_be_forged(client, author, settings):
    settings.AXES_FAILURE_LIMIT = 2
    settings.TRUSTED_PROXY_COUNT = 1
    proxy = {"REMOTE_ADDR": "10.0.0.1"}
    for number, name in enumerate(("amy", "bob")):
        # The attacker sends a made-up address each time; the proxy appends the real one.
        forged = {"HTTP_X_FORWARDED_FOR": f"203.0.113.{number}, 198.51.100.9"}
        client.post(LOGIN, {"username": name, "password": "x"}, **proxy, **forged)

    blocked = client.post(
        LOGIN, {"username": "carol", "password": "x"}, HTTP_X_FORWARDED_FOR="198.51.100.9", **proxy
    )
    colleague = client.post(
        LOGIN, {"username": "alex", "password": factories.PASSWORD}, HTTP_X_FORWARDED_FOR="192.0.2.1", **proxy
    )

    assert blocked.status_code == 429
    assert colleague.status_code == 302
    assert set(
        AuditEntry.objects.filter(action="auth.login_failed").values_list("data__ip_address", flat=True)
    ) == {"198.51.100.9"}
