"""Fixtures shared by every test app, the Elasticsearch node and fresh index, and the Hypothesis profiles."""

import os
import socket

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from hypothesis import HealthCheck, Phase
from hypothesis import settings as hypothesis_settings

from modules.models import Audience, Channel, Specialty
from search.conf import client
from search.index import ApprovedContentIndex
from tests import factories

# Property tests: `ci` (the default) is small and derandomised so every run explores the same cases;
# `long` (HYPOTHESIS_PROFILE=long) runs on demand, at least 10,000 operations per property test
# (tests/review/test_lifecycle_properties.py, tests/search/test_properties.py; see bench/RESULTS.md).
_UNBOUNDED = {
    "deadline": None,
    "suppress_health_check": [HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
}
hypothesis_settings.register_profile(
    "ci", max_examples=10, stateful_step_count=12, derandomize=True, print_blob=True, **_UNBOUNDED
)
# 270 examples: the lifecycle state machine runs 40 steps each, the search property 20-60 operations.
# No explain phase: once an example fails, Hypothesis would re-run every shrink attempt under a line
# tracer (sys.settrace), several times slower, and a failing 40-step example took longer to shrink
# than a whole clean run (bench/RESULTS.md).
hypothesis_settings.register_profile(
    "long",
    max_examples=270,
    stateful_step_count=40,
    print_blob=True,
    phases=[phase for phase in Phase if phase is not Phase.explain],
    **_UNBOUNDED,
)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
if os.environ.get("HYPOTHESIS_MAX_EXAMPLES"):
    # Splits a long run over processes (each with its own --hypothesis-seed) on a busy machine.
    name = hypothesis_settings.get_current_profile_name()
    hypothesis_settings.register_profile(
        name, hypothesis_settings.default, max_examples=int(os.environ["HYPOTHESIS_MAX_EXAMPLES"])
    )
    hypothesis_settings.load_profile(name)


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def audit_checkpoint_dir(settings, tmp_path):
    """Each test's checkpoints start empty: checkpoints of another test's trail would not match."""
    settings.AUDIT_CHECKPOINT_DIR = tmp_path / "audit-checkpoints"
    settings.AUDIT_CHECKPOINT_EMAIL = []
    return settings.AUDIT_CHECKPOINT_DIR


@pytest.fixture
def admin_user(db):
    return factories.UserFactory(username="admin", is_superuser=True, is_staff=True)


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


@pytest.fixture
def product(db):
    return factories.ProductFactory(brand_name="Cardiozen", generic_name="rivaroxatide", code="CARDIO")


@pytest.fixture
def market(db):
    return factories.MarketFactory(code="US-en", name="United States")


@pytest.fixture
def other_market(db):
    return factories.MarketFactory(code="DE-de", name="Germany")


@pytest.fixture
def editors(db):
    return Group.objects.get(name="Editors")


class _Mailbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        from email import message_from_bytes, policy

        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"


@pytest.fixture
def smtp_server(settings):
    """A real SMTP server on a free local port; Django sends to it over SMTP."""
    from aiosmtpd.controller import Controller

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    mailbox = _Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS, settings.EMAIL_HOST_USER, settings.EMAIL_HOST_PASSWORD = False, "", ""
    yield mailbox
    controller.stop()


def _node_problem() -> str | None:
    if not settings.ELASTICSEARCH_URL:
        return "ELASTICSEARCH_URL is not set (run `make test`, which starts the local node)"
    try:
        client().cluster.health(wait_for_status="yellow", timeout="10s")
    except Exception as exc:  # noqa: BLE001 - any failure means the node is unusable
        return f"Elasticsearch at {settings.ELASTICSEARCH_URL} does not answer: {exc}"
    return None


@pytest.fixture(scope="session")
def elasticsearch_node():
    """The node's URL; in CI a missing node fails the tests instead of skipping them."""
    problem = _node_problem()
    if problem:
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(problem)
        pytest.skip(problem)
    yield settings.ELASTICSEARCH_URL
    ApprovedContentIndex().drop_all()


@pytest.fixture
def taxonomy(db):
    """The codes the demo uses: audiences, the three assembly channels plus web, two specialties."""
    for code in ("hcp", "patient"):
        Audience.objects.get_or_create(code=code, defaults={"name": code.upper()})
    for code in ("email", "edetail", "invitation", "web"):
        Channel.objects.get_or_create(code=code, defaults={"name": code})
    for code in ("cardiology", "oncology"):
        Specialty.objects.get_or_create(code=code, defaults={"name": code.title()})


@pytest.fixture
def search_index(elasticsearch_node, db, taxonomy, product, market, other_market):
    """A fresh, empty index behind this session's alias, with the products above as synonyms."""
    index = ApprovedContentIndex()
    index.drop_all()
    index.setup()
    yield index
    index.drop_all()


@pytest.fixture
def search_api_unthrottled(settings):
    """The property tests search after every step, faster than a rep's SEARCH_API_RATE allows (HTTP 429)."""
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            "search": "1000000/minute",
        },
    }
