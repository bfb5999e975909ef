#!/bin/sh
# Lints the OpenAPI document with Redocly CLI's recommended rules, pinned to one version.
# Needs Node.js and npx; exits non-zero on any error of the document.
set -eu
cd "$(dirname "$0")"
exec npx --yes @redocly/cli@2.77.0 lint --format=stylish openapi.yaml
