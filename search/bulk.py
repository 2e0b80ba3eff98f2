"""The one bulk writer to Elasticsearch: NDJSON lines from one reused encoder, sent in one request.

The rebuild (search/rebuild.py, pipelined) and the outbox drain (search/indexing.py) both write
through here, so both get the fast encoder measured in bench/RESULTS.md.
"""

import orjson
from elasticsearch import Elasticsearch, helpers

INDEX_ACTION_KEYS = {"_index", "_id", "version", "version_type", "_source"}
HEADER = '{{"index":{{"_id":{id},"_index":{index},"version":{version},"version_type":{version_type}}}}}'


def bulk_lines(es: Elasticsearch, actions: list[dict]) -> list[bytes]:
    """The NDJSON lines of one bulk request: the bytes helpers.bulk would send for these actions.

    Index headers are formatted from a template and sources go through the client's serializer
    (orjson, search/conf.py; it passes strings through as already encoded, hence orjson.dumps for
    the header's strings): per-action expand_action and json.dumps set-up were a fifth of a
    rebuild's Python time.
    """
    dumps = es.transport.serializers.get_serializer("application/json").dumps
    lines = []
    for action in actions:
        if action.keys() == INDEX_ACTION_KEYS:
            header = HEADER.format(
                id=orjson.dumps(action["_id"]).decode(),
                index=orjson.dumps(action["_index"]).decode(),
                version=int(action["version"]),
                version_type=orjson.dumps(action["version_type"]).decode(),
            )
            lines.append(header.encode())
            lines.append(dumps(action["_source"]))
            continue
        header, body = helpers.expand_action(action)
        lines.append(dumps(header))
        if body is not None:
            lines.append(dumps(body))
    return lines


def send_bulk(es: Elasticsearch, lines: list[bytes], count: int) -> tuple[int, int]:
    """One bulk request of `count` actions; (indexed, failed). Transport errors propagate, as in helpers.bulk.

    Only failed items come back (filter_path): the full response is a few hundred bytes per document
    for the node to write and for this process to parse, and a rebuild only counts the failures.
    """
    response = es.bulk(operations=lines, filter_path="errors,items.*.error").body
    if not response.get("errors"):
        return count, 0
    failed = sum(1 for item in response.get("items", ()) if "error" in next(iter(item.values()), {}))
    return count - failed, failed


def send_bulk_items(es: Elasticsearch, actions: list[dict], *, require_alias: bool = False) -> list[dict]:
    """One bulk request; each action's result (its status, and its error when it failed), in order.

    `require_alias`: while the alias is missing, writes fail (and can be retried) instead of
    creating an index by that name.
    """
    if not actions:
        return []
    response = es.bulk(
        operations=bulk_lines(es, actions),
        require_alias=require_alias,
        filter_path="items.*.status,items.*.error",
    ).body
    return [next(iter(item.values())) for item in response.get("items", ())]
