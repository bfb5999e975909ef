#!/bin/sh
# Lints the OpenAPI document with two linters, each pinned to one version, and fails on any
# error or warning of either:
#   - Redocly CLI, its recommended rules;
#   - Spectral, the spectral:oas ruleset (.spectral.yaml beside this script).
# Needs Node.js and npx.
set -eu
cd "$(dirname "$0")"

REDOCLY=@redocly/cli@2.77.0
SPECTRAL=@stoplight/spectral-cli@6.16.3

status=0

echo "== Redocly ($REDOCLY, recommended)"
report="$(mktemp)"
trap 'rm -f "$report"' EXIT
# Redocly fails on errors only: read its JSON report's totals to fail on warnings too.
npx --yes "$REDOCLY" lint --format=stylish openapi.yaml || status=1
npx --yes "$REDOCLY" lint --format=json openapi.yaml >"$report" 2>/dev/null || true
if ! node -e '
	const t = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).totals;
	console.log(`redocly: ${t.errors} errors, ${t.warnings} warnings`);
	process.exit(t.errors === 0 && t.warnings === 0 ? 0 : 1);
' "$report"; then
	status=1
fi

echo "== Spectral ($SPECTRAL, spectral:oas)"
# --fail-severity=warn: a warning fails the lint as an error does.
if npx --yes "$SPECTRAL" lint --ruleset .spectral.yaml --fail-severity=warn --format=text openapi.yaml; then
	echo "spectral: 0 errors, 0 warnings"
else
	status=1
fi

exit "$status"
