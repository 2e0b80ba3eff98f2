"""Signing a whole review at once, for the demo seeding and the test factories.

Not a production service: a real review is signed discipline by discipline on the review screen.
It calls exactly the services that screen calls, so seeded and test data pass the same checks.
"""

from review import roles, selectors, services
from review.models import Signature


def review_sign_every_discipline(*, obj, signer_for, comment="") -> list[Signature]:
    """Sign the open review's approval once per discipline, as `signer_for(discipline_name)` says.

    `signer_for` returns (user, password), or None to leave that discipline unsigned. Medical
    signers verify the citations first. Used by the demo seeding and the test factories, so they
    go through exactly the checks a reviewer on the review screen goes through.
    """
    task_state = obj.current_workflow_state.current_task_state.specific
    signatures = []
    for discipline in task_state.task.specific.disciplines.all():
        signer = signer_for(discipline.name)
        if signer is None:
            continue
        user, password = signer
        if discipline.name == roles.MEDICAL:
            for position in selectors.unverified_citations(task_state.revision):
                services.citation_verify(revision=task_state.revision, position=position, user=user)
        signatures.append(
            services.review_sign(
                task_state=task_state,
                user=user,
                password=password,
                decision=Signature.APPROVED,
                meaning=roles.meanings_for(discipline.name, Signature.APPROVED)[0],
                discipline=discipline,
                comment=comment,
            )
        )
    obj.refresh_from_db()
    return signatures
