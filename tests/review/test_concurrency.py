"""Concurrent final signatures on PostgreSQL: one approval per item, distinct job codes across items."""

import threading

import pytest
from django.db import connection, connections

from review import roles, services
from review.models import ApprovalRecord, Signature
from tests import factories

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif("connection.vendor != 'postgresql'", reason="row locks need PostgreSQL"),
]


def run_together(*calls):
    """Start every call at the same moment, each on its own database connection; re-raise failures."""
    barrier = threading.Barrier(len(calls))
    errors = []

    def worker(call):
        try:
            barrier.wait(timeout=10)
            call()
        except Exception as error:  # reported to the test below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return errors


def sign_call(obj, discipline):
    task_state = obj.current_workflow_state.current_task_state.specific
    user = factories.reviewer(discipline)
    group = task_state.task.specific.disciplines.get(name=discipline)

    def call():
        services.review_sign(
            task_state=task_state,
            user=user,
            password=factories.PASSWORD,
            decision="approved",
            meaning=roles.meanings_for(discipline, "approved")[0],
            discipline=group,
        )

    return call


def in_review_with_one_discipline_left_to_sign(product, market, *, leave=(roles.LEGAL,), title="ISI"):
    isi = factories.safety(product=product, market=market, publish=False)
    isi.title = title
    isi.save()
    services.review_submit(obj=isi, user=None)
    isi.refresh_from_db()
    factories.sign_all(isi, skip=leave)
    return isi


def test_the_last_two_signatures_at_once_produce_exactly_one_approval(product, market):
    assert connection.vendor == "postgresql"
    isi = in_review_with_one_discipline_left_to_sign(product, market, leave=(roles.LEGAL, roles.REGULATORY))
    errors = run_together(sign_call(isi, roles.LEGAL), sign_call(isi, roles.REGULATORY))
    assert errors == []
    isi.refresh_from_db()
    assert isi.live
    assert ApprovalRecord.objects.for_object(isi).count() == 1
    assert Signature.objects.filter(revision=isi.live_revision, decision="approved").count() == 3


def test_final_approvals_of_different_items_at_once_get_distinct_job_codes(product, market):
    items = [in_review_with_one_discipline_left_to_sign(product, market, title=f"ISI {n}") for n in range(4)]
    errors = run_together(*(sign_call(item, roles.LEGAL) for item in items))
    assert errors == []
    codes = [ApprovalRecord.objects.for_object(item).get().job_code for item in items]
    assert len(set(codes)) == 4
    assert sorted(int(code.rsplit("-", 1)[1]) for code in codes) == [1, 2, 3, 4]


def test_the_same_discipline_signing_twice_at_once_records_one_approval(product, market):
    isi = in_review_with_one_discipline_left_to_sign(product, market, leave=(roles.LEGAL, roles.REGULATORY))
    errors = run_together(sign_call(isi, roles.LEGAL), sign_call(isi, roles.LEGAL))
    assert len(errors) == 1 and "already approved" in str(errors[0])
    assert Signature.objects.filter(discipline__name=roles.LEGAL, decision="approved").count() == 1
