#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# lib/trace's OTLP/JSON checked by OpenTelemetry's own protobuf code
# (tests/otel/validate.js), as TAP on stdout; tests/unit/run.sh runs it.
#
#   1. scripts/otel-deps.sh: the npm packages, cached once per machine
#   2. the schema read from OpenTelemetry's generated code
#   3. otlp-emit's documents (every field kind lib/trace writes) decoded and
#      compared with the spans the C program made
#   4. tests/otel/cases.jsonl: documents that must be accepted, and broken
#      ones that must be refused with a precise message
#   5. lib/trace's exporter posting to a local OTLP/HTTP receiver that decodes
#      every request, and the JSON lines it wrote to a file at the same time
#
# Needs build/tests/otel/otlp-emit (make check-otel builds it and runs this).
set -uo pipefail

repo=$(cd "$(dirname "$0")/../.." && pwd)
cd "$repo" || exit 1
emit=build/tests/otel/otlp-emit
validate=tests/otel/validate.js
tmp=$(mktemp -d /tmp/sov-otel.XXXXXX)
serve_pid=
trap '[ -n "$serve_pid" ] && kill "$serve_pid" 2>/dev/null; rm -rf "$tmp"' EXIT

bad=0
say() {		# $1: ok|not ok, $2: text
	echo "$1 - $2"
	[ "$1" = ok ] || bad=1
}
# the validator's own TAP lines, numbered anew by the caller's tally
relay() {	# $1: prefix; stdin: TAP
	local line
	while IFS= read -r line; do
		case $line in
		"ok "*) echo "ok - $1: ${line#ok * - }" ;;
		"not ok "*) echo "not ok - $1: ${line#not ok * - }"; bad=1 ;;
		"#"*) echo "$line" ;;
		*) echo "# $line" ;;
		esac
	done
}

if ! modules=$(scripts/otel-deps.sh 2>"$tmp/deps.log"); then
	say "not ok" "otel-deps: OpenTelemetry's npm packages could not be installed"
	sed 's/^/# /' "$tmp/deps.log"
	exit 1
fi
export SOV_OTEL_MODULES=$modules
say ok "otel-deps: $modules"

if node "$validate" --schema >"$tmp/schema" 2>"$tmp/err" &&
	grep -q '^opentelemetry.proto.trace.v1.Span 1:traceId:bytes 2:spanId:bytes ' "$tmp/schema"; then
	say ok "schema: $(grep -c '^opentelemetry' "$tmp/schema") messages read from $(sed -n 's/^# //p' "$tmp/schema")"
else
	say "not ok" "schema: could not read OpenTelemetry's generated code"
	sed 's/^/# /' "$tmp/schema" "$tmp/err"
	exit 1
fi

if [ ! -x "$emit" ]; then
	say "not ok" "$emit is missing (make check-otel builds it)"
	exit 1
fi

if "$emit" docs "$tmp/expect.jsonl" >"$tmp/docs.jsonl" 2>"$tmp/err"; then
	node "$validate" --expect "$tmp/expect.jsonl" "$tmp/docs.jsonl" 2>/dev/null |
		relay "lib/trace document" >"$tmp/out"
	cat "$tmp/out"
	grep -q '^not ok' "$tmp/out" && bad=1
else
	say "not ok" "otlp-emit docs: $(cat "$tmp/err")"
fi

node "$validate" --cases tests/otel/cases.jsonl 2>&1 | relay "case" >"$tmp/out"
cat "$tmp/out"
grep -q '^not ok' "$tmp/out" && bad=1

# 3 documents with spans and one more through submit_json: 4 requests
node "$validate" --serve --port-file "$tmp/port" --count 4 --timeout 60 \
	--expect "$tmp/expect.jsonl" >"$tmp/serve.out" 2>&1 &
serve_pid=$!
for _ in $(seq 100); do
	[ -s "$tmp/port" ] && break
	sleep 0.1
done
if [ -s "$tmp/port" ]; then
	url=http://127.0.0.1:$(cat "$tmp/port")/v1/traces
	if out=$("$emit" post "$url" "$tmp/export.jsonl" 2>&1); then
		say ok "exporter: $out"
	else
		say "not ok" "exporter to $url: $out"
	fi
	wait "$serve_pid"
	rc=$?
	serve_pid=
	relay "receiver" <"$tmp/serve.out" >"$tmp/out"
	cat "$tmp/out"
	if [ "$rc" -ne 0 ] && ! grep -q '^not ok' "$tmp/out"; then
		say "not ok" "receiver: exited with status $rc"
	fi
	grep -q '^not ok' "$tmp/out" && bad=1
	if [ -s "$tmp/export.jsonl" ]; then
		node "$validate" --expect "$tmp/expect.jsonl" "$tmp/export.jsonl" 2>/dev/null |
			relay "export file" >"$tmp/out"
		cat "$tmp/out"
		grep -q '^not ok' "$tmp/out" && bad=1
	else
		say "not ok" "export file: the exporter wrote nothing to it"
	fi
else
	say "not ok" "receiver: no port after 10 s: $(cat "$tmp/serve.out")"
fi
exit "$bad"
