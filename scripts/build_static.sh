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
cp static/src/app.mjs static/src/charts.mjs "$out/"
# plotly.js comes from the plotly Python package the app already depends on (no CDN).
plotly_js=$(.venv/bin/python -c "import plotly, pathlib; print(pathlib.Path(plotly.__file__).parent / 'package_data' / 'plotly.min.js')")
cp "$plotly_js" "$out/plotly.min.js"
cp -r node_modules/govuk-frontend/dist/govuk/assets/images "$out/govuk/assets/"
cp node_modules/govuk-frontend/dist/govuk/assets/manifest.json "$out/govuk/assets/"
echo "Built $out/main.css ($(wc -c < "$out/main.css") bytes)"
