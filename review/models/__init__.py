from .annotations import Annotation, AnnotationReply, CitationCheck
from .approvals import ApprovalRecord, JobCodePattern, JobCodeSequence
from .audit import GENESIS_HASH, AppendOnlyError, AuditEntry
from .outbox import OutboxEvent
from .signatures import Signature, SigningFailure
from .tasks import MLRTask, MLRTaskState

__all__ = [
    "GENESIS_HASH",
    "Annotation",
    "AnnotationReply",
    "AppendOnlyError",
    "ApprovalRecord",
    "AuditEntry",
    "CitationCheck",
    "JobCodePattern",
    "JobCodeSequence",
    "MLRTask",
    "MLRTaskState",
    "OutboxEvent",
    "Signature",
    "SigningFailure",
]
