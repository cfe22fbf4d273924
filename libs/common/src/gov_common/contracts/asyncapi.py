"""The AsyncAPI 3.0 document of the platform's events, generated from their models (docs/events.md).

Channels are the topics, messages the event types: each message's payload is the CloudEvents envelope
(structured JSON mode, as the Kafka value) whose `data` is the JSON Schema of its model, its headers
the Kafka headers the outbox relay sets, its key the aggregate's id. The gateway serves the document
at `/asyncapi.json`; `docs/asyncapi.json` is the checked-in copy (a test fails when it is stale):

    .venv/bin/python -m gov_common.contracts.asyncapi            # writes docs/asyncapi.json
    .venv/bin/python -m gov_common.contracts.asyncapi --check    # exit 1 when it is stale
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Any

from pydantic.json_schema import models_json_schema

from gov_common.contracts.events import DOCUMENT_ID, EVENT_MODELS, EventData
from gov_common.events import CONTENT_TYPE, Topics

VERSION = "1.0.0"
SCHEMAS = "#/components/schemas/"
DEFAULT_PATH = Path("docs/asyncapi.json")

# Topic -> (channel name, description).
CHANNELS: dict[str, tuple[str, str]] = {
    Topics.CASE: (
        "case",
        "A case's life: filing, intake, dispatch, the department's review and decision, the clock, supervision, "
        "the rating. Keyed by case number (a bundle's end by bundle number), so one case's events keep their order.",
    ),
    Topics.LICENSE: (
        "license",
        "Electronic licences: issued, revoked, cancelled, expired, and the reminders before expiry. Keyed by "
        "licence number.",
    ),
    Topics.DATA: ("data", "Reads of personal data that a service reports for the audit log. Keyed by the subject."),
    Topics.TOKEN: (
        "token",
        "Revoked tokens (compacted): one fact per account, client application or acting grant, read from the "
        "beginning by every process.",
    ),
    Topics.CREDIT: (
        "credit",
        "The red and black credit lists (compacted): a subject's records now, keyed by subject, and data-sharing's "
        "heartbeat.",
    ),
}

DEPARTMENT_CHANNEL = "caseDepartment"

_ENVELOPE = {
    "type": "object",
    "title": "CloudEvent",
    "description": (
        "A CloudEvents 1.0 event in structured JSON mode, the Kafka message's value. Further attributes "
        "(CloudEvents extensions such as distributed tracing) may be present."
    ),
    "properties": {
        "specversion": {"const": "1.0"},
        "id": {"type": "string", "minLength": 1, "description": "Unique per event; consumers drop a redelivery."},
        "source": {"type": "string", "format": "uri-reference", "description": "The producing service."},
        "type": {"type": "string", "description": "The event type: which message this is."},
        "subject": {"type": "string", "description": "The aggregate's id, also the Kafka message key."},
        "time": {"type": "string", "format": "date-time"},
        "datacontenttype": {"const": "application/json"},
        "dataschema": {
            "type": "string",
            "format": "uri",
            "description": f"The message in this document: `{DOCUMENT_ID}#/components/messages/<name>`.",
        },
        "data": {"type": "object"},
        "traceparent": {
            "type": "string",
            "pattern": "^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$",
            "description": "CloudEvents distributed-tracing extension: the W3C trace context of the request or "
            "handler that made the event; its consumers continue that trace (docs/tracing.md).",
        },
        "tracestate": {"type": "string", "description": "W3C tracestate, with `traceparent`."},
    },
    "required": ["specversion", "id", "source", "type", "subject", "time", "data"],
}

_TRAIT = {
    "contentType": CONTENT_TYPE,
    "headers": {
        "type": "object",
        "description": "The Kafka headers the outbox relay sets.",
        "properties": {
            "content-type": {"const": CONTENT_TYPE},
            "ce_type": {
                "type": "string",
                "description": "The event's type (CloudEvents Kafka binding), so a consumer skips the types it "
                "does not handle without decoding them.",
            },
        },
    },
    "bindings": {
        "kafka": {
            "key": {"type": "string", "description": "The aggregate's id (the CloudEvents subject)."},
            "bindingVersion": "0.5.0",
        }
    },
}


def _retarget(schema: Any) -> Any:
    """Pydantic's `$defs` references, pointed at `components/schemas`."""
    if isinstance(schema, dict):
        return {
            k: (SCHEMAS + v.rsplit("/", 1)[-1] if k == "$ref" and isinstance(v, str) else _retarget(v))
            for k, v in schema.items()
        }
    if isinstance(schema, list):
        return [_retarget(v) for v in schema]
    return schema


def _summary(model: type[EventData]) -> str:
    return " ".join((model.__doc__ or model.TYPE).split())


def _send(model: type[EventData], channel: str) -> dict[str, Any]:
    """The operation that sends `model`'s message on `channel`."""
    return {
        "action": "send",
        "title": model.TYPE,
        "summary": _summary(model),
        "channel": {"$ref": f"#/channels/{channel}"},
        "messages": [{"$ref": f"#/channels/{channel}/messages/{model.__name__}"}],
    }


def build(models: Sequence[type[EventData]] | None = None) -> dict[str, Any]:
    """The document, from `models` (every event type by default)."""
    models = list(EVENT_MODELS.values()) if models is None else list(models)
    _, definitions = models_json_schema([(m, "validation") for m in models], ref_template=SCHEMAS + "{model}")
    schemas: dict[str, Any] = {name: _retarget(s) for name, s in definitions.get("$defs", {}).items()}
    schemas["CloudEvent"] = _ENVELOPE
    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    messages: dict[str, Any] = {}
    for topic, (channel, description) in CHANNELS.items():
        carried = [m for m in models if m.TOPIC == topic]
        if not carried:
            continue
        channels[channel] = {
            "address": topic,
            "title": topic,
            "description": description,
            "messages": {m.__name__: {"$ref": f"#/components/messages/{m.__name__}"} for m in carried},
        }
        for model in carried:
            name = model.__name__
            operations[f"send{name}"] = _send(model, channel)
            messages[name] = {
                "name": name,
                "title": model.TYPE,
                "summary": _summary(model),
                "contentType": CONTENT_TYPE,
                "traits": [{"$ref": "#/components/messageTraits/CloudEvent"}],
                "payload": {
                    "allOf": [
                        {"$ref": SCHEMAS + "CloudEvent"},
                        {
                            "type": "object",
                            "properties": {
                                "type": {"const": model.TYPE},
                                "dataschema": {"const": model.dataschema()},
                                "data": {"$ref": SCHEMAS + name},
                            },
                        },
                    ]
                },
            }
    to_department = [m for m in models if m.TO_DEPARTMENT and m.__name__ in messages]
    if to_department:
        # Each department's copy of the dispatch and clock events (Topics.department_cases): one channel
        # whose address names the department, the same messages as on the case channel.
        channels[DEPARTMENT_CHANNEL] = {
            "address": Topics.department_cases("{department}"),
            "title": Topics.department_cases("<department>"),
            "description": (
                "One department's cases: service-management sends each dispatch and clock event of a case on "
                f"`{Topics.CASE}` and on the topic of the case's department, the same event (one id, the same key "
                "and order); a department's business system reads its own topic only."
            ),
            "parameters": {
                "department": {
                    "description": "The department's code in the catalogue, e.g. `amr`.",
                    "examples": ["amr"],
                }
            },
            "messages": {m.__name__: {"$ref": f"#/components/messages/{m.__name__}"} for m in to_department},
        }
        for model in to_department:
            operations[f"send{model.__name__}ToDepartment"] = _send(model, DEPARTMENT_CHANNEL)
    return {
        "asyncapi": "3.0.0",
        "id": DOCUMENT_ID,
        "info": {
            "title": "一网通办 platform events",
            "version": VERSION,
            "description": (
                "The events the platform's services exchange over Apache Kafka (docs/events.md): CloudEvents 1.0 "
                "in structured JSON mode, one message per event type, its `data` described by the model its "
                "producer builds and its consumers parse (gov_common.contracts.events). A consumer ignores fields "
                "it does not know; an event whose data does not fit its message is refused and dead-lettered on "
                "`<topic>.dlt`, the offending field named."
            ),
        },
        "defaultContentType": CONTENT_TYPE,
        "channels": channels,
        "operations": operations,
        "components": {
            "schemas": dict(sorted(schemas.items())),
            "messages": messages,
            "messageTraits": {"CloudEvent": _TRAIT},
        },
    }


def render(document: dict[str, Any]) -> str:
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


@cache
def served() -> bytes:
    """The document as the gateway serves it (built once per process)."""
    return render(build()).encode("utf-8")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m gov_common.contracts.asyncapi",
        description="Writes the AsyncAPI document of the platform's events.",
    )
    parser.add_argument("path", nargs="?", type=Path, default=DEFAULT_PATH, help="where the document goes")
    parser.add_argument("--check", action="store_true", help="exit 1 when the file is not the document now")
    args = parser.parse_args(argv)
    current = render(build())
    if args.check:
        stale = not args.path.exists() or args.path.read_text(encoding="utf-8") != current
        if stale:
            print(f"{args.path} is stale: run python -m gov_common.contracts.asyncapi {args.path}", file=sys.stderr)
        return 1 if stale else 0
    args.path.write_text(current, encoding="utf-8")
    print(f"wrote {args.path} ({len(EVENT_MODELS)} event types)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
