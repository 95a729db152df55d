#!/bin/sh
# Copy the front-end libraries installed from the npm registry (package-lock.json)
# into the static assets. Nothing is loaded from a CDN at run time.
set -e
out=okno/web/assets/vendor
mkdir -p "$out"
cp node_modules/htmx.org/dist/htmx.min.js "$out/htmx.min.js"
cp node_modules/htmx.org/dist/ext/ws.js "$out/htmx-ws.js" 2>/dev/null || true
cp node_modules/chart.js/dist/chart.umd.min.js "$out/chart.umd.min.js"
