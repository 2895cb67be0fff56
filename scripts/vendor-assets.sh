#!/usr/bin/env bash
# Copy the explorer's browser assets out of node_modules into static/vendor/, so that the
# GraphQL explorer works without internet access. Run by `make setup`.
set -euo pipefail
cd "$(dirname "$0")/.."
dest=static/vendor/graphiql
want=("$dest/graphiql.min.js" "$dest/graphiql.min.css" "$dest/react.production.min.js" "$dest/react-dom.production.min.js")
if [ -f node_modules/graphiql/package.json ] || npm ci --no-audit --no-fund --silent; then
  mkdir -p "$dest"
  cp node_modules/graphiql/graphiql.min.js node_modules/graphiql/graphiql.min.css "$dest/"
  cp node_modules/react/umd/react.production.min.js "$dest/"
  cp node_modules/react-dom/umd/react-dom.production.min.js "$dest/"
fi
for f in "${want[@]}"; do [ -s "$f" ] || { echo "missing $f" >&2; exit 1; }; done
