#!/usr/bin/env bash
# fuzz/seeds.sh - gathers the seeds of the long fuzzing runs: every language
# test and module (tests/), every example, and every indented code block of
# the docs, for the targets that read Lyng source; the Markdown files
# themselves for the doc-test parser. Committed seeds in fuzz/corpus/NAME
# are used as they are, beside these.
#   fuzz/seeds.sh OUT_DIR     writes OUT_DIR/lyng and OUT_DIR/markdown
set -eu
out=$1
rm -rf "$out" && mkdir -p "$out/lyng" "$out/markdown"
n=0
while IFS= read -r -d '' f; do
  n=$((n + 1)); cp "$f" "$out/lyng/$n-$(basename "$f")"
done < <(find tests examples -name '*.lyng' -print0)
for md in docs/*.md README.md; do
  cp "$md" "$out/markdown/"
  # an indented block up to its >>> lines is one script
  awk -v dir="$out/lyng" -v base="$(basename "$md" .md)" '
    /^    / { line = substr($0, 5); if (line ~ /^>>>/) { if (buf != "") { k++; f = dir "/doc-" base "-" k ".lyng"; printf "%s", buf > f; close(f); buf = "" } } else buf = buf line "\n"; next }
    /^$/ { if (buf != "") buf = buf "\n"; next }
    { buf = "" }' "$md"
done
echo "seeds: $(ls "$out/lyng" | wc -l) scripts, $(ls "$out/markdown" | wc -l) markdown files"
