"""A queryset compiled to SQL once per process, then executed again with new values (a hot-path read).

Building and compiling a queryset costs more than PostgreSQL takes to answer it: the channel detail
request spent ~1 ms per query in the ORM against ~0.03 ms in the server (bench/RESULTS.md). A
`CompiledRead` builds its queryset once, with a sentinel for each value that changes per call, keeps
the SQL and where each sentinel landed among the parameters, and from then on only swaps values in.
The rule stays the queryset's (`ChannelToken.objects.usable`, `ApprovalRecord.objects.in_force`…):
nothing is written twice in SQL. On PostgreSQL the statement is also prepared on the server (planned
once per connection) unless `DATABASE_PREPARED_STATEMENTS=false` (a transaction-pooling proxy that
cannot keep prepared statements).
"""

import threading
from collections.abc import Callable
from datetime import UTC, datetime

from django.conf import settings
from django.db import OperationalError, connections
from django.db.models import QuerySet

# Values no caller ever passes: each marks where its argument goes among the compiled parameters.
_SENTINEL_TIME = datetime(1901, 2, 3, 4, 5, 6, 789012, tzinfo=UTC)


class CompiledRead:
    """`build(**arguments)` → a values_list queryset; `rows(**arguments)` runs its SQL without the ORM.

    Arguments are declared with their type (`str` or `datetime`); every other value of the queryset
    is fixed at compilation.
    """

    def __init__(self, build: Callable[..., QuerySet], *, using: str = "default", **arguments: type):
        for name, kind in arguments.items():
            if kind not in (str, datetime):
                raise TypeError(f"CompiledRead argument {name}: str or datetime, not {kind.__name__}.")
        self.build = build
        self.using = using
        self.arguments = arguments
        self._compiled: tuple[str, list] | None = None
        self._lock = threading.Lock()

    def _adapt(self, kind: type, value):
        ops = connections[self.using].ops
        return ops.adapt_datetimefield_value(value) if kind is datetime else value

    def _compile(self) -> tuple[str, list]:
        sentinels = {
            name: _SENTINEL_TIME if kind is datetime else f"\x1fsentinel:{name}\x1f"
            for name, kind in self.arguments.items()
        }
        sql, params = self.build(**sentinels).query.get_compiler(using=self.using).as_sql()
        by_param = {self._adapt(self.arguments[name], value): name for name, value in sentinels.items()}
        slots = [(by_param.get(p) if isinstance(p, str | datetime) else None, p) for p in params]
        missing = set(sentinels) - {name for name, _fixed in slots if name}
        if missing:
            raise ValueError(
                f"CompiledRead: {', '.join(sorted(missing))} did not reach the SQL as a parameter."
            )
        return sql, slots

    def compiled(self) -> tuple[str, list]:
        if self._compiled is None:
            with self._lock:
                if self._compiled is None:
                    self._compiled = self._compile()
        return self._compiled

    def rows(self, **values) -> list[tuple]:
        sql, slots = self.compiled()
        params = [self._adapt(self.arguments[name], values[name]) if name else fixed for name, fixed in slots]
        connection = connections[self.using]
        # Where queries are being counted (tests, DEBUG) Django's own cursor runs it, so it is counted.
        if (
            connection.vendor == "postgresql"
            and settings.DATABASE_PREPARED_STATEMENTS
            and not connection.queries_logged
        ):
            return _rows_prepared(connection, sql, params)
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()


def _rows_prepared(connection, sql: str, params: list) -> list[tuple]:
    reused = connection.connection is not None
    try:
        return _execute_prepared(connection, sql, params)
    except OperationalError:
        # A persistent connection the server dropped (restart, failover, idle timeout). Django would
        # spend a `SELECT 1` health check on every request to find out; a read is safe to run again
        # once on a new connection instead (never inside a transaction, whose work would be lost).
        if not reused or connection.in_atomic_block:
            raise
        connection.close()
        return _execute_prepared(connection, sql, params)


def _execute_prepared(connection, sql: str, params: list) -> list[tuple]:
    import psycopg

    connection.ensure_connection()
    # Django's cursors bind on the client and never prepare; a plain psycopg cursor on the same
    # connection (its adapters, its transaction) sends the parameters apart and reuses the plan.
    with connection.wrap_database_errors, psycopg.Cursor(connection.connection) as cursor:
        cursor.execute(sql, params, prepare=True)
        return cursor.fetchall()
