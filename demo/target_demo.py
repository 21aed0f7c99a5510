#!/usr/bin/env python3
"""A tiny Singer target for the demo workspace (Python standard library only).

Reads Singer messages from stdin and appends each stream's records to <destination>/<stream>.jsonl
(destination from --config, default "output", relative to the working directory). Records are
buffered and written when a STATE message arrives and at end of input; after each such write the
target echoes the latest STATE to stdout, as real targets do once their data is committed.
"""
import argparse
import json
import os
import sys


def log(level, text):
    print(f"{level} {text}", file=sys.stderr, flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", help="target config JSON file")
    args = parser.parse_args()
    config = {}
    if args.config:
        with open(args.config, encoding="utf-8") as f:
            config = json.load(f)
    destination = config.get("destination", "output")
    os.makedirs(destination, exist_ok=True)

    schemas = {}
    buffers = {}
    pending_state = None
    written = 0

    def flush():
        nonlocal pending_state, written
        for stream, lines in buffers.items():
            if lines:
                with open(os.path.join(destination, f"{stream}.jsonl"), "a", encoding="utf-8") as out:
                    out.write("".join(lines))
                written += len(lines)
                lines.clear()
        if pending_state is not None:
            sys.stdout.write(json.dumps(pending_state, separators=(",", ":")) + "\n")
            sys.stdout.flush()
            pending_state = None

    for number, line in enumerate(sys.stdin, start=1):
        line = line.strip()
        if not line:
            continue
        try:
            message = json.loads(line)
        except json.JSONDecodeError as err:
            log("ERROR", f"line {number} is not JSON: {err}: {line[:200]}")
            flush()
            return 1
        kind = message.get("type")
        if kind == "SCHEMA":
            schemas[message["stream"]] = message["schema"]
            buffers.setdefault(message["stream"], [])
        elif kind == "RECORD":
            stream = message["stream"]
            if stream not in schemas:
                log("ERROR", f"line {number}: RECORD for stream {stream} before its SCHEMA")
                flush()
                return 1
            buffers[stream].append(json.dumps(message["record"], separators=(",", ":")) + "\n")
        elif kind == "STATE":
            pending_state = message.get("value")
            flush()
        else:
            log("WARNING", f"line {number}: ignoring message of type {kind}")
    flush()
    log("INFO", f"Loaded {written} records into {destination}/")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit(130)
