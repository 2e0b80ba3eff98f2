"""CompiledRead: a queryset compiled once answers like the queryset itself, for any values."""

from datetime import datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from delivery.compiled import CompiledRead
from delivery.models import ChannelToken
from delivery.services import channel_client_create, channel_token_revoke


def _tokens(*, label: str, now: datetime):
    return ChannelToken.objects.usable(now).filter(label=label).order_by("pk").values_list("pk", "label")


@pytest.fixture
def tokens(taxonomy, market):
    client, _raw = channel_client_create(name="Web", market_codes=["US-en"], channel_codes=["web"])
    first = client.tokens.get()
    second = ChannelToken.objects.create(client=client, label="tablet", digest="d" * 64)
    ChannelToken.objects.filter(pk=first.pk).update(expires_at=timezone.now() + timedelta(hours=1))
    return first, second


@pytest.mark.django_db
def test_it_answers_like_the_queryset_for_every_value(tokens):
    first, second = tokens
    read = CompiledRead(_tokens, label=str, now=datetime)
    now = timezone.now()
    for label, when in [
        ("default", now),
        ("tablet", now),
        ("default", now + timedelta(hours=2)),  # past the first token's expiry
        ("nobody", now),
        ('it\'s "quoted" %s', now),
    ]:
        assert read.rows(label=label, now=when) == list(_tokens(label=label, now=when)), (label, when)
    channel_token_revoke(token=second)
    assert read.rows(label="tablet", now=now) == []


@pytest.mark.django_db
def test_it_compiles_once_and_runs_one_query(tokens):
    read = CompiledRead(_tokens, label=str, now=datetime)
    read.rows(label="default", now=timezone.now())
    sql = read.compiled()[0]
    with CaptureQueriesContext(connection) as queries:
        read.rows(label="tablet", now=timezone.now())
    assert len(queries) == 1 and read.compiled()[0] is sql


@pytest.mark.django_db
def test_an_argument_the_queryset_ignores_is_refused():
    read = CompiledRead(
        lambda label, now: ChannelToken.objects.filter(label=label).values_list("pk"), label=str, now=datetime
    )
    with pytest.raises(ValueError, match="now did not reach the SQL"):
        read.rows(label="x", now=timezone.now())


def test_only_strings_and_times_are_arguments():
    with pytest.raises(TypeError, match="str or datetime"):
        CompiledRead(lambda pk: ChannelToken.objects.filter(pk=pk), pk=int)


def _terminate_backend_of(conn) -> None:
    """What a database restart or failover does to a persistent connection: the server drops it."""
    import psycopg
    from django.conf import settings

    db = settings.DATABASES["default"]
    pid = conn.connection.info.backend_pid
    with psycopg.connect(
        host=db["HOST"],
        port=db["PORT"] or 5432,
        user=db["USER"],
        password=db["PASSWORD"],
        dbname=db["NAME"],
        autocommit=True,
    ) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [pid])


@pytest.mark.django_db(transaction=True)
def test_a_connection_the_server_dropped_is_replaced_not_failed(tokens):
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL: prepared statements on a persistent connection")
    read = CompiledRead(_tokens, label=str, now=datetime)
    assert read.rows(label="tablet", now=timezone.now())
    _terminate_backend_of(connection)
    assert read.rows(label="tablet", now=timezone.now()) == list(_tokens(label="tablet", now=timezone.now()))


@pytest.mark.django_db(transaction=True)
def test_inside_a_transaction_a_dropped_connection_is_an_error_not_a_silent_retry(tokens):
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL: prepared statements on a persistent connection")
    from django.db import OperationalError, transaction

    read = CompiledRead(_tokens, label=str, now=datetime)
    with pytest.raises(OperationalError), transaction.atomic():
        read.rows(label="tablet", now=timezone.now())
        _terminate_backend_of(connection)
        read.rows(label="tablet", now=timezone.now())
    connection.close()


@pytest.mark.django_db
def test_the_statement_is_prepared_on_the_server(tokens):
    """psycopg refuses to prepare with Django's default prepare_threshold (None): the settings lift it."""
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL: prepared statements")
    read = CompiledRead(_tokens, label=str, now=datetime)
    read.rows(label="tablet", now=timezone.now())
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        prepared = [row[0] for row in cursor.fetchall()]
    assert any("delivery_channeltoken" in statement for statement in prepared), prepared
