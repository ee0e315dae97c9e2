#!/usr/bin/env bash
# Builds static/dist from static/src with Sass, and copies GOV.UK Frontend's script and assets.
# Needs `npm ci` first (the Makefile does it). Fonts are not copied: we do not use GDS Transport.
set -euo pipefail
cd "$(dirname "$0")/.."
out=static/dist
rm -rf "$out"
mkdir -p "$out/govuk/assets"
npx --no-install sass --no-source-map --style=compressed --quiet-deps \
  --load-path=node_modules static/src/main.scss "$out/main.css"
cp node_modules/govuk-frontend/dist/govuk/govuk-frontend.min.js "$out/govuk/"
cp static/src/app.mjs "$out/app.mjs"
cp -r node_modules/govuk-frontend/dist/govuk/assets/images "$out/govuk/assets/"
cp node_modules/govuk-frontend/dist/govuk/assets/manifest.json "$out/govuk/assets/"
echo "Built $out/main.css ($(wc -c < "$out/main.css") bytes)"
