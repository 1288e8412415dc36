#!/bin/sh
# Vendor hls.js (Apache-2.0) into the package at build time, from the npm registry, so the
# live lesson page plays HLS in browsers without native HLS (desktop Chrome, Firefox) with
# no request to a CDN. The page links it only when the file exists (see docs/live.md).
#   sh scripts/vendor-hls.sh            # the latest 1.x
#   sh scripts/vendor-hls.sh 1.5.20     # a given version
set -eu
version="${1:-1}"
target="$(dirname "$0")/../studyhub/static/vendor"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "hls.js@$version" >/dev/null)
tar -xzf "$work"/hls.js-*.tgz -C "$work"
mkdir -p "$target"
cp "$work/package/dist/hls.light.min.js" "$target/hls.light.min.js"
cp "$work/package/LICENSE" "$target/hls.js.LICENSE"
echo "hls.js $(sed -n 's/.*"version": "\(.*\)".*/\1/p' "$work/package/package.json" | head -1) -> $target"
