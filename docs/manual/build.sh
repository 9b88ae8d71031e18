#!/bin/sh
# docs/manual/build.sh OUTDIR: the HTML manual (`make docs`).  Renders
# docs/*.md (docs/index.md is the index page), README.md and BENCHMARKS.md
# with pandoc into one flat directory, each page self-contained (images
# and style inlined), links between pages turned from .md into .html
# (links.lua), then checks that every link resolves (check_links.py).
set -eu
cd "$(dirname "$0")/../.."
out=${1:-build/docs}
rm -rf "$out.tmp" && mkdir -p "$out.tmp"

nav='<nav class="fcgp-nav"><a href="index.html">mod_fcgiproc manual</a> ·
<a href="README.html">Overview</a> ·
<a href="ARCHITECTURE.html">How it works</a> ·
<a href="directives.html">Directives</a> ·
<a href="log-tags.html">Log tags</a> ·
<a href="migrating-from-mod_fcgid.html">Migrating from mod_fcgid</a></nav>'
printf '%s\n' "$nav" > "$out.tmp/.nav.html"
cat > "$out.tmp/.style.html" <<'STYLE'
<style>
  body { max-width: 60em; }
  .fcgp-nav { font-size: 0.9em; margin-bottom: 2em; }
  table { border-collapse: collapse; margin: 1em 0; }
  th, td { border: 1px solid #ccc; padding: 0.2em 0.5em; vertical-align: top; }
  pre { overflow-x: auto; background: #f6f6f6; padding: 0.5em; }
</style>
STYLE

for src in docs/*.md README.md BENCHMARKS.md; do
    [ -f "$src" ] || continue
    page=$(basename "$src" .md)
    title=$(sed -n 's/^# //p' "$src" | head -n 1)
    [ -n "$title" ] || title=$page
    toc=--toc
    [ "$page" = index ] && toc=
    FCGP_SRCDIR=$(dirname "$src") pandoc "$src" -f gfm -t html5 \
        --standalone --self-contained $toc --toc-depth=3 --metadata lang=en \
        --resource-path="$(dirname "$src")" \
        --lua-filter=docs/manual/links.lua \
        --metadata pagetitle="$title" \
        --include-in-header="$out.tmp/.style.html" \
        --include-before-body="$out.tmp/.nav.html" \
        -o "$out.tmp/$page.html"
done
rm -f "$out.tmp/.nav.html" "$out.tmp/.style.html"
/usr/bin/python3 docs/manual/check_links.py "$out.tmp"
rm -rf "$out" && mv "$out.tmp" "$out"
echo "docs: open $out/index.html"
