#!/bin/sh
# `lobstr mock --rate-limit 10/2s` and a loop of `lobstr task show`: every command must
# succeed (the client waits instead of failing with 429), and stderr says when it waits.
# Usage: sh ratelimit.sh PATH-TO-LOBSTR
set -u
bin=$1
log=$(mktemp)
"$bin" mock --quiet --addr 127.0.0.1:0 --rate-limit 10/2s 2>"$log" &
mock=$!
trap 'kill $mock 2>/dev/null; wait $mock 2>/dev/null; rm -f "$log"' EXIT
url=
tries=0
while [ -z "$url" ]; do
	url=$(sed -n 's/^lobstr mock listening on \(http:[^ ]*\)$/\1/p' "$log")
	tries=$((tries + 1))
	if [ $tries -gt 100 ] || ! kill -0 $mock 2>/dev/null; then
		echo "ratelimit.sh: the mock did not start:" >&2
		cat "$log" >&2
		exit 1
	fi
	[ -n "$url" ] || sleep 0.1
done
i=0
while [ $i -lt 30 ]; do
	LOBSTR_TOKEN=demo "$bin" --base-url "$url" task show c5e29d2aba8b77cdc56391e7405302de >/dev/null || {
		echo "ratelimit.sh: task show failed on round $i" >&2
		exit 1
	}
	i=$((i + 1))
done
echo "ratelimit.sh: 30 commands, none failed"
