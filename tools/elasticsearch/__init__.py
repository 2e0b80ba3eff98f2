"""Local single-node Elasticsearch for development and tests.

The server comes from Maven Central (Elastic's ``integ-test-zip`` distribution) and is
managed by :mod:`tools.elasticsearch.launcher`::

    python -m tools.elasticsearch start|stop|status|url   # or: python -m tools.elasticsearch.launcher

From Python::

    from tools import elasticsearch as engine
    engine.start()          # idempotent, returns the http URL
    engine.url()
    engine.stop()

The names are loaded lazily so that ``python -m tools.elasticsearch.launcher`` does not import the
launcher module twice.
"""

__all__ = [
    "ES_VERSION",
    "EngineError",
    "ensure_installed",
    "is_running",
    "start",
    "status",
    "stop",
    "url",
]


def __getattr__(name):
    if name in __all__:
        from . import launcher

        return getattr(launcher, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
