"""Channel clients: the CLI, the admin (token shown once, revoke, rotate), search access, the data move."""

import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from delivery.models import ChannelClient, ChannelToken, token_digest
from modules.models import Audience, Channel, Market
from review.models import AuditEntry


def test_cli_creates_a_client_and_prints_its_token_once(taxonomy, market, client):
    out = StringIO()
    call_command(
        "search_channel_client",
        "CLM app",
        "--market",
        "US-en",
        "--channel",
        "edetail",
        "--audience",
        "hcp",
        stdout=out,
    )
    token = re.search(r"\(shown once\): (\S+)", out.getvalue()).group(1)
    channel = ChannelClient.objects.get(name="CLM app")
    assert channel.tokens.get().digest == token_digest(token)
    assert token not in str(list(ChannelToken.objects.values()))
    assert [a.code for a in channel.audiences.all()] == ["hcp"]
    assert client.get("/api/v1/content", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 200
    assert AuditEntry.objects.filter(action="delivery.client_created", object_id=str(channel.pk)).exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["X", "--market", "ZZ-zz", "--channel", "email"], "Unknown market ZZ-zz"),
        (["X", "--market", "US-en", "--channel", "fax"], "Unknown channel fax"),
        (["X", "--market", "US-en", "--channel", "email", "--audience", "aliens"], "Unknown audience aliens"),
        (["  ", "--market", "US-en", "--channel", "email"], "name"),
    ],
)
def test_cli_refuses_bad_input_and_stores_nothing(taxonomy, market, args, message):
    with pytest.raises(CommandError, match=message):
        call_command("search_channel_client", *args, stdout=StringIO())
    assert not ChannelClient.objects.exists()


def test_admin_creates_a_client_and_shows_the_token_once(admin_client, taxonomy, market):
    data = {
        "name": "Website",
        "markets": [Market.objects.get(code="US-en").pk],
        "channels": [Channel.objects.get(code="web").pk],
        "audiences": [Audience.objects.get(code="hcp").pk],
        "active": "on",
    }
    response = admin_client.post("/admin/delivery_channelclient/new/", data, follow=True)
    assert response.status_code == 200
    page = response.content.decode()
    token = re.search(r"<code data-new-token>([^<]+)</code>", page).group(1)
    website = ChannelClient.objects.get(name="Website")
    assert website.tokens.get().digest == token_digest(token)
    again = admin_client.get(f"/admin/delivery/clients/{website.pk}/tokens/").content.decode()
    assert token not in again and "data-new-token" not in again
    assert admin_client.get("/api/v1/content", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 200
    # Rotate: a new token is shown once, the old one stays valid for the grace period.
    old = website.tokens.get()
    rotated = admin_client.post(f"/admin/delivery/tokens/{old.pk}/rotate/", follow=True).content.decode()
    new_token = re.search(r"<code data-new-token>([^<]+)</code>", rotated).group(1)
    assert new_token != token and website.tokens.count() == 2
    # Revoke: the next call with it is refused.
    admin_client.post(f"/admin/delivery/tokens/{old.pk}/revoke/")
    admin_client.logout()
    assert admin_client.get("/api/v1/content", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 401
    assert admin_client.get("/api/v1/content", HTTP_AUTHORIZATION=f"Bearer {new_token}").status_code == 200


def test_admin_token_form_refuses_a_past_expiry(admin_client, us_client):
    channel, _ = us_client
    response = admin_client.post(
        f"/admin/delivery/clients/{channel.pk}/tokens/", {"label": "old", "expires_at": "2001-01-01 00:00"}
    )
    assert response.status_code == 400
    assert "must be in the future" in response.content.decode()
    assert channel.tokens.count() == 1


def test_non_superusers_cannot_manage_tokens(client, us_client):
    from tests import factories

    channel, _ = us_client
    client.force_login(factories.UserFactory(username="author", is_staff=True))
    response = client.get(f"/admin/delivery/clients/{channel.pk}/tokens/")
    assert response.status_code in (302, 403)
    assert "data-new-token" not in response.content.decode()


@pytest.mark.django_db(transaction=True)
def test_migration_moves_clients_from_search_without_losing_scope_or_token(taxonomy, market):
    executor = MigrationExecutor(connection)
    executor.migrate([("search", "0001_initial"), ("delivery", None)])
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO search_channelclient (name, token_digest, active, created_at) "
            "VALUES ('Legacy', %s, true, now()) RETURNING id",
            [token_digest("legacy-token")],
        )
        client_id = cursor.fetchone()[0]
        cursor.execute(
            "INSERT INTO search_channelclient_markets (channelclient_id, market_id) VALUES (%s, %s)",
            [client_id, market.pk],
        )
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
    legacy = ChannelClient.objects.get(name="Legacy")
    assert [m.code for m in legacy.markets.all()] == ["US-en"]
    assert legacy.tokens.get().digest == token_digest("legacy-token")


def test_admin_users_who_are_not_superusers_are_refused_the_delivery_screens(client, us_client):
    """They were sent to /accounts/login/, a page that does not exist (404). Now Wagtail's own refusal:
    back to the dashboard with "you do not have permission", and nothing changed."""
    from review import roles
    from tests import factories

    channel, _ = us_client
    token = channel.tokens.get()
    client.force_login(factories.reviewer(roles.AUTHORS))
    for method, path in [
        ("get", f"/admin/delivery/clients/{channel.pk}/tokens/"),
        ("post", f"/admin/delivery/tokens/{token.pk}/revoke/"),
        ("post", f"/admin/delivery/tokens/{token.pk}/rotate/"),
        ("get", "/admin/delivery/pulls/"),
    ]:
        response = getattr(client, method)(path, follow=True)
        assert response.redirect_chain == [("/admin/", 302)], path
        assert "do not have permission" in response.content.decode(), path
    token.refresh_from_db()
    assert token.revoked_at is None
