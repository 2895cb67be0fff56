#!/usr/bin/env bash
# Install the npm packages (package-lock.json) and copy the explorer's browser assets out of
# node_modules into static/vendor/, so that the GraphQL explorer works without internet access.
# Run by `make setup`. The accessibility tests read axe-core (a devDependency) straight from
# node_modules/axe-core/axe.min.js; it is never copied into static/ nor served.
#
# Production serves static files through whitenoise's manifest storage, and `collectstatic`
# fails when a CSS or JS file names a source map (`sourceMappingURL=...`) that is not there.
# So each map a copied file names is copied along with it; should a package stop shipping the
# map, the reference is removed from the copy instead. The last loop proves every reference
# resolves, so a broken copy fails here and not in a production install.
set -euo pipefail
cd "$(dirname "$0")/.."
dest=static/vendor/graphiql
sources=(
  node_modules/graphiql/graphiql.min.js
  node_modules/graphiql/graphiql.min.css
  node_modules/react/umd/react.production.min.js
  node_modules/react-dom/umd/react-dom.production.min.js
)

# The map a copied file names, or nothing. The patterns are the storage's own (Django's
# ManifestStaticFilesStorage): a whole line `//# sourceMappingURL=x.map` in JS or
# `/*# sourceMappingURL=x.map */` in CSS. Inline `data:` maps and absolute URLs need no file.
map_pattern='^(//# sourceMappingURL=(.*)|/\*#[[:blank:]]sourceMappingURL=(.*[^[:blank:]])[[:blank:]]*\*/)$'
map_of() {
  sed -nE "s%$map_pattern%\2\3%p" "$1" | grep -v -e : -e '^/' || true
}
strip_maps() { sed -i -E "\%$map_pattern%d" "$1"; }

# Installed when any of these is missing: a checkout that had the explorer's packages before
# axe-core joined them gets axe-core too.
installed=(node_modules/graphiql/package.json node_modules/axe-core/axe.min.js)
complete() { for file in "${installed[@]}"; do [ -f "$file" ] || return 1; done; }
if complete || npm ci --no-audit --no-fund --silent; then
  mkdir -p "$dest"
  for src in "${sources[@]}"; do
    copy="$dest/$(basename "$src")"
    cp "$src" "$copy"
    for map in $(map_of "$copy"); do
      if [[ "$map" == */* ]] || [ ! -f "$(dirname "$src")/$map" ]; then
        strip_maps "$copy"
        break
      fi
      cp "$(dirname "$src")/$map" "$dest/$map"
    done
  done
fi
for src in "${sources[@]}"; do
  copy="$dest/$(basename "$src")"
  [ -s "$copy" ] || { echo "missing $copy" >&2; exit 1; }
  for map in $(map_of "$copy"); do
    [ -s "$dest/$map" ] || { echo "$copy names a missing source map $dest/$map" >&2; exit 1; }
  done
done
