#!/usr/bin/env python3
"""A tiny Singer tap for the demo workspace (Python standard library only).

Emits SCHEMA, RECORD and STATE messages for one stream, `events`, replicated incrementally on the
`id` bookmark: each run continues after the bookmark found in --state. It sleeps a little between
records so a job takes a few seconds and can be watched (and stopped) in the editor.

Config keys (all optional): record_count (default 200), sleep_seconds (default 0.015),
state_every (emit STATE every N records, default 50).
"""
import argparse
import json
import sys
import time
from datetime import datetime, timedelta, timezone

STREAM = "events"
EPOCH = datetime(2026, 1, 1, tzinfo=timezone.utc)
SCHEMA = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "kind": {"type": "string"},
        "user": {"type": "string"},
        "amount": {"type": "number"},
        "created_at": {"type": "string", "format": "date-time"},
    },
    "required": ["id", "created_at"],
}
KINDS = ["signup", "login", "purchase", "refund", "logout"]
USERS = ["ada", "grace", "linus", "margaret", "ken", "barbara"]


def log(level, text):
    # singer-python style: the level word first, so the runner keeps the level.
    print(f"{level} {text}", file=sys.stderr, flush=True)


def emit(message):
    sys.stdout.write(json.dumps(message, separators=(",", ":")) + "\n")
    sys.stdout.flush()


def load_json(path, default):
    if not path:
        return default
    with open(path, encoding="utf-8") as f:
        text = f.read().strip()
    return json.loads(text) if text else default


def catalog():
    return {
        "streams": [
            {
                "tap_stream_id": STREAM,
                "stream": STREAM,
                "schema": SCHEMA,
                "key_properties": ["id"],
                "replication_key": "id",
                "replication_method": "INCREMENTAL",
                "metadata": [
                    {
                        "breadcrumb": [],
                        "metadata": {
                            "selected": True,
                            "table-key-properties": ["id"],
                            "valid-replication-keys": ["id"],
                            "forced-replication-method": "INCREMENTAL",
                        },
                    }
                ],
            }
        ]
    }


def selected(cat):
    """A catalog that de-selects the stream turns the sync into a no-op."""
    for stream in (cat or {}).get("streams", []):
        if stream.get("tap_stream_id") == STREAM:
            for entry in stream.get("metadata", []):
                if entry.get("breadcrumb") == []:
                    return entry.get("metadata", {}).get("selected", True) is not False
    return True


def record(event_id):
    return {
        "id": event_id,
        "kind": KINDS[event_id % len(KINDS)],
        "user": USERS[event_id % len(USERS)],
        "amount": round((event_id * 37 % 1000) / 10, 2),
        "created_at": (EPOCH + timedelta(minutes=event_id)).isoformat().replace("+00:00", "Z"),
    }


def sync(config, state, cat):
    if not selected(cat):
        log("INFO", f"stream {STREAM} is not selected; nothing to do")
        emit({"type": "STATE", "value": state})
        return
    count = int(config.get("record_count", 200))
    pause = float(config.get("sleep_seconds", 0.015))
    every = max(1, int(config.get("state_every", 50)))
    bookmark = int(state.get("bookmarks", {}).get(STREAM, {}).get("replication_key_value", 0))
    log("INFO", f"Starting sync of stream {STREAM} after id {bookmark} ({count} records)")
    emit({"type": "SCHEMA", "stream": STREAM, "schema": SCHEMA, "key_properties": ["id"], "bookmark_properties": ["id"]})
    for n in range(1, count + 1):
        event_id = bookmark + n
        emit({"type": "RECORD", "stream": STREAM, "record": record(event_id), "time_extracted": datetime.now(timezone.utc).isoformat().replace("+00:00", "Z")})
        if n % every == 0 or n == count:
            state = {"bookmarks": {STREAM: {"replication_key": "id", "replication_key_value": event_id}}}
            emit({"type": "STATE", "value": state})
        time.sleep(pause)
    log("INFO", f"Finished sync of stream {STREAM}: {count} records, bookmark now {bookmark + count}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", help="tap config JSON file")
    parser.add_argument("--state", help="state JSON file from the previous run")
    parser.add_argument("--catalog", help="catalog JSON file")
    parser.add_argument("--properties", help="legacy name of --catalog")
    parser.add_argument("--discover", action="store_true", help="print the catalog and exit")
    args = parser.parse_args()
    config = load_json(args.config, {})
    if args.discover:
        print(json.dumps(catalog(), indent=2))
        return
    sync(config, load_json(args.state, {}), load_json(args.catalog or args.properties, None))


if __name__ == "__main__":
    try:
        main()
    except BrokenPipeError:
        # The target went away; the runner reports that, we just stop quietly.
        sys.stderr.close()
        sys.exit(1)
    except KeyboardInterrupt:
        sys.exit(130)
