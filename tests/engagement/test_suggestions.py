"""Next-best-content for a rep and an HCP against real PostgreSQL and Elasticsearch: the refresh task,
the reasons, and the read-time approval check that keeps a stale table from suggesting ended content."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from engagement.models import CoEngagement, RecommendationRun, SpecialtyPopularity
from engagement.suggestions import hcp_history, suggest
from ops.schedule import job_named
from reps.errors import ContentUnavailable
from review import roles
from review.models import ApprovalRecord
from review.services import approvals_expire, content_withdraw
from search.services import rep_scope_set
from tests import factories
from tests.engagement.conftest import approval_of, backdated
from tests.engagement.suggesting import engaged, refreshed
from tests.reps.conftest import make_hcp, make_rep
from tests.search.conftest import sync

pytestmark = pytest.mark.elasticsearch


def block(product, market, title, **kw):
    return backdated(factories.text_block(product=product, market=market, title=title, **kw))


@pytest.fixture
def world(search_index, us_channel, product, market, other_market):
    """Cardiologists who read the dosing guide went on to the renal data; one read the bleeding FAQ."""
    client, _ = us_channel
    rep = make_rep("rep")
    hcp = make_hcp(rep, name="Dr Amara Okoye", email="okoye@clinic.example")
    peers = [make_hcp(None, name=f"Dr Peer {n}", email=f"peer{n}@clinic.example") for n in range(3)]
    items = {
        "dosing": block(product, market, "Dosing guide"),
        "renal": block(product, market, "Renal data"),
        "faq": block(product, market, "Bleeding FAQ"),
    }
    for peer in peers[:2]:
        engaged(client, items["dosing"], peer, "opened", "clicked")
        engaged(client, items["renal"], peer, "opened")
    engaged(client, items["faq"], peers[2], "opened")
    engaged(client, items["dosing"], hcp, "opened")
    return {"client": client, "rep": rep, "hcp": hcp, "items": items, "index": search_index}


def lines(suggestions):
    return [(re.sub("<[^>]+>", "", s.hit.title), str(s.reason)) for s in suggestions]


def test_reasons_name_what_the_specialty_engaged_with_and_what_is_new(world, product, market):
    factories.text_block(product=product, market=market, title="New renal label")  # approved now
    sync(world["index"])
    run = refreshed()
    assert (run.events, run.hcps) == (8, 4)
    got = lines(suggest(world["hcp"], world["rep"], 5))
    assert got[0] == ("Renal data", "HCPs in Cardiology who viewed Dosing guide also opened Renal data")
    assert ("Bleeding FAQ", "Not yet sent to this HCP; popular with HCPs in Cardiology") in got
    assert ("New renal label", "New approval for this HCP's product (Cardiozen)") in got
    assert "Dosing guide" not in [title for title, _ in got]  # already engaged with


def test_a_send_without_engagement_loses_not_yet_sent(world):
    engaged(world["client"], world["items"]["faq"], world["hcp"], "sent")
    sync(world["index"])
    refreshed()
    got = dict(lines(suggest(world["hcp"], world["rep"], 5)))
    assert got["Bleeding FAQ"] == "Popular with HCPs in Cardiology"


def test_withdrawn_and_expired_items_are_never_suggested_even_from_a_stale_table_and_index(world):
    sync(world["index"])
    refreshed()
    assert "Renal data" in dict(lines(suggest(world["hcp"], world["rep"], 5)))
    content_withdraw(
        obj=world["items"]["renal"], user=factories.reviewer(roles.REGULATORY), reason="label change"
    )
    # Neither the table nor the index has heard of it yet.
    assert CoEngagement.objects.filter(neighbour=f"textblock-{world['items']['renal'].pk}").exists()
    assert "Renal data" not in dict(lines(suggest(world["hcp"], world["rep"], 5)))
    faq = approval_of(world["items"]["faq"])
    ApprovalRecord.objects.filter(pk=faq.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert "Bleeding FAQ" not in dict(lines(suggest(world["hcp"], world["rep"], 5)))  # lapsed, job not run
    approvals_expire()
    sync(world["index"])
    assert set(dict(lines(suggest(world["hcp"], world["rep"], 5)))) <= {"New renal label"}


def test_stale_or_hostile_table_rows_cannot_reach_outside_the_reps_scope(world, product, other_market):
    de_item = block(product, other_market, "DE only")
    sync(world["index"])
    refreshed()
    dosing = f"textblock-{world['items']['dosing'].pk}"
    for neighbour in (f"textblock-{de_item.pk}", "textblock-999999", "garbage", "email-", "-7"):
        CoEngagement.objects.create(
            specialty="cardiology", item=dosing, neighbour=neighbour, score=9, hcps=99
        )
    SpecialtyPopularity.objects.create(specialty="cardiology", item=f"textblock-{de_item.pk}", hcps=999)
    titles = dict(lines(suggest(world["hcp"], world["rep"], 10)))
    assert "DE only" not in titles and "Renal data" in titles
    # A rep whose scope is the web channel only: the text blocks are approved for email, e-detail, invitation.
    web_rep = make_rep("web-rep")
    rep_scope_set(user=web_rep, market_codes=["US-en"], channel_codes=["web"])
    web_rep.territory.create(hcp=world["hcp"])
    assert suggest(world["hcp"], web_rep, 5) == []


def test_a_pseudonym_sent_in_capitals_or_without_dashes_is_the_same_hcp(world):
    hcp, renal = world["hcp"], world["items"]["renal"]
    engaged(world["client"], renal, str(hcp.pseudonym).upper(), "opened")
    engaged(world["client"], world["items"]["faq"], hcp.pseudonym.hex, "sent")
    history = hcp_history(hcp, now=timezone.now())
    assert set(history.weights) == {f"textblock-{world['items']['dosing'].pk}", f"textblock-{renal.pk}"}
    assert history.sent == {f"textblock-{world['items']['faq'].pk}"}
    assert refreshed().hcps == 4  # one HCP, however their id was spelt


def test_only_the_reps_own_hcps_and_sane_limits(world):
    other = make_rep("other")
    with pytest.raises(ContentUnavailable, match="not in your territory"):
        suggest(world["hcp"], other, 5)
    for limit in (0, 21):
        with pytest.raises(ValueError, match="between 1 and 20"):
            suggest(world["hcp"], world["rep"], limit)


def test_refresh_replaces_the_tables_and_is_a_scheduled_job(world):
    sync(world["index"])
    first = refreshed()
    assert CoEngagement.objects.count() == first.neighbour_rows > 0
    assert SpecialtyPopularity.objects.count() == first.popularity_rows > 0
    summary = job_named("recommendations_refresh").run()
    assert summary.startswith("8 events, 4 HCPs, 3 items")
    assert RecommendationRun.objects.count() == 2
    assert CoEngagement.objects.count() == first.neighbour_rows  # replaced, not appended


def test_the_portal_shows_suggested_next_with_reasons_and_links(world, client):
    sync(world["index"])
    refreshed()
    client.force_login(world["rep"])
    body = re.sub(r"\s+", " ", client.get("/reps/", {"hcp": world["hcp"].pk}).content.decode())
    assert '<h2 id="suggested-heading">Suggested next</h2>' in body
    renal = approval_of(world["items"]["renal"])
    assert f'href="/reps/content/{renal.pk}/?hcp={world["hcp"].pk}">Renal data</a>' in body
    assert "HCPs in Cardiology who viewed Dosing guide also opened Renal data" in body
    assert renal.job_code in body
