#!/bin/sh
# Re-fetches the files of Swagger UI that `lobstr mock` serves at /docs, from the npm
# package swagger-ui-dist at a pinned version, checks the package's SHA-256, copies the few
# files the page needs into assets/, and writes their SHA-256 into assets/SHA256SUMS (a Go
# test checks the embedded files against it). `go build` never needs npm: the files are
# committed. Run from anywhere: `make docs-assets`.
#
# To move to another version: change VERSION, run with TARBALL_SHA256= (empty) to print
# the new package's SHA-256, review it, set it here, and run again.
set -eu

VERSION=5.35.0
TARBALL_SHA256=1b8e891893404ea4c3558b6a87e2a3e494e7eedba41168c2ece5800a391a6ea6
FILES="swagger-ui-bundle.js swagger-ui-bundle.js.LICENSE.txt swagger-ui.css favicon-32x32.png LICENSE NOTICE"

here="$(cd "$(dirname "$0")" && pwd)"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

(cd "$tmp" && npm pack --silent "swagger-ui-dist@$VERSION" >/dev/null)
tarball="$tmp/swagger-ui-dist-$VERSION.tgz"
got="$(sha256sum "$tarball" | cut -d' ' -f1)"
if [ -z "$TARBALL_SHA256" ]; then
	echo "swagger-ui-dist@$VERSION: SHA-256 $got (set TARBALL_SHA256 to it after review)" >&2
	exit 1
fi
if [ "$got" != "$TARBALL_SHA256" ]; then
	echo "swagger-ui-dist@$VERSION: SHA-256 $got, want $TARBALL_SHA256: refusing the package" >&2
	exit 1
fi
tar -xzf "$tarball" -C "$tmp"

rm -rf "$here/assets"
mkdir -p "$here/assets"
for f in $FILES; do
	cp "$tmp/package/$f" "$here/assets/$f"
done
echo "$VERSION" > "$here/assets/VERSION"
(cd "$here/assets" && sha256sum $FILES VERSION > SHA256SUMS)
echo "swagger-ui-dist@$VERSION: $(du -sk "$here/assets" | cut -f1) KiB in $here/assets" >&2
