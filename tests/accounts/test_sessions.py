"""Sessions end when idle, at their maximum age and at browser close; every role can sign out."""

import pytest
from django.urls import reverse

from accounts.sessions import LAST_SEEN_KEY, SESSION_STARTED_KEY, now_seconds
from tests import factories
from tests.search.conftest import rep  # noqa: F401

pytestmark = pytest.mark.django_db

SEARCH = "/api/v1/search"


@pytest.fixture
def signed_in_rep(client, rep):  # noqa: F811
    # Reps sign in on the same form as everyone; axes needs the real request, so no client.login().
    response = client.post("/admin/login/", {"username": "rep", "password": factories.PASSWORD})
    assert response.status_code == 302
    return client


def age_session(client, **seconds_ago):
    session = client.session
    for key, ago in seconds_ago.items():
        session[{"started": SESSION_STARTED_KEY, "last_seen": LAST_SEEN_KEY}[key]] = now_seconds() - ago
    session.save()


def test_a_rep_can_sign_out_and_the_session_no_longer_reaches_the_api(search_index, signed_in_rep):  # noqa: F811
    assert signed_in_rep.get(SEARCH).status_code == 200

    response = signed_in_rep.post(reverse("wagtailadmin_logout"))

    assert response.status_code == 302
    assert response["Location"] == reverse("reps:login")  # reps sign in again at their portal
    assert signed_in_rep.get(SEARCH).status_code == 401


def test_admin_users_still_sign_out_from_the_admin_menu(admin_client):
    assert admin_client.get("/admin/").status_code == 200

    admin_client.post(reverse("wagtailadmin_logout"))

    assert admin_client.get("/admin/").status_code == 302


def test_an_idle_session_is_signed_out(search_index, signed_in_rep, settings):  # noqa: F811
    settings.SESSION_IDLE_TIMEOUT = 30 * 60
    age_session(signed_in_rep, last_seen=29 * 60)
    assert signed_in_rep.get(SEARCH).status_code == 200

    age_session(signed_in_rep, last_seen=31 * 60)

    assert signed_in_rep.get(SEARCH).status_code == 401
    assert signed_in_rep.get(SEARCH).status_code == 401


def test_activity_keeps_a_session_alive_but_not_past_its_maximum_age(
    search_index,  # noqa: F811
    signed_in_rep,
    settings,
):
    settings.SESSION_MAX_AGE = 12 * 60 * 60
    age_session(signed_in_rep, started=11 * 60 * 60, last_seen=10 * 60)
    assert signed_in_rep.get(SEARCH).status_code == 200
    assert now_seconds() - signed_in_rep.session[LAST_SEEN_KEY] < 5

    age_session(signed_in_rep, started=12 * 60 * 60 + 1)

    assert signed_in_rep.get(SEARCH).status_code == 401


def test_an_idle_admin_is_sent_to_sign_in_with_the_reason(admin_client, settings):
    settings.SESSION_IDLE_TIMEOUT = 30 * 60
    admin_client.get("/admin/")
    age_session(admin_client, last_seen=31 * 60)

    response = admin_client.get("/admin/", follow=True)

    assert response.redirect_chain[-1][0].startswith(reverse("wagtailadmin_login"))
    assert "You were signed out after 30 minutes without activity. Sign in again to continue." in [
        str(m).strip() for m in response.context["messages"]
    ]


def test_the_session_cookie_ends_with_the_browser(client, rep):  # noqa: F811
    response = client.post("/admin/login/", {"username": "rep", "password": factories.PASSWORD})

    cookie = response.cookies["sessionid"]
    assert cookie["expires"] == "" and cookie["max-age"] == ""
    assert cookie["httponly"]
    assert client.session.get_expiry_age() == 12 * 60 * 60
