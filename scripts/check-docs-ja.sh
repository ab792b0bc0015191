#!/usr/bin/env bash
# Keeps the Japanese staff documentation (docs/ja/) true to the operator-text module.
#
# Conventions in docs/ja/*.md (see docs/ja/README.md, 「この文書の保守について」):
#  - A blockquote line (`> …`) is text the app shows. After an optional leading label
#    (「エラー: 」「対処: 」「詳細: 」), it must occur verbatim in src/text.rs or src/error.rs.
#  - In トラブルシューティング.md every inline 「…」 quote outside blockquotes must occur verbatim
#    there too, and every error sentence (E_*) and hint (H_*) of src/text.rs must be quoted in a
#    blockquote line, so a new message cannot ship undocumented.
#  - Every image a page references must exist.
# Rust escapes (\\ and \") are undone before comparing. Plain bash, grep, sed, awk.
# Usage: bash scripts/check-docs-ja.sh        Exit 0 when everything holds, 1 otherwise.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

docs=docs/ja
page="$docs/トラブルシューティング.md"
sources=(src/text.rs src/error.rs)
[[ -f "$page" ]] || { echo "missing $page"; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# The sources with Rust string escapes undone: what staff actually read.
sed -e 's/\\\\/\x01/g' -e 's/\\"/"/g' -e 's/\x01/\\/g' "${sources[@]}" > "$tmp/corpus"

fail=0
checked=0
check_quote() { # file, line number, quoted text
    checked=$((checked + 1))
    if ! grep -qF -- "$3" "$tmp/corpus"; then
        echo "$1:$2: not in ${sources[*]}: $3"
        fail=1
    fi
}

for f in "$docs"/*.md; do
    n=0
    while IFS= read -r line || [[ -n "$line" ]]; do
        n=$((n + 1))
        if [[ "$line" == ">"* ]]; then
            q="${line#>}"
            q="${q# }"
            for label in "エラー: " "対処: " "詳細: "; do
                q="${q#"$label"}"
            done
            [[ -z "$q" ]] || check_quote "$f" "$n" "$q"
        elif [[ "$f" == "$page" ]]; then
            # innermost 「…」 quotes (a message may itself contain 「…」)
            while IFS= read -r q; do
                [[ -z "$q" ]] || check_quote "$f" "$n" "${q:1:${#q}-2}"
            done < <(grep -o '「[^「」]*」' <<<"$line" || true)
        fi
    done < "$f"
    # every referenced image exists
    while IFS= read -r img; do
        if [[ ! -f "$docs/$img" ]]; then
            echo "$f: missing image $docs/$img"
            fail=1
        fi
    done < <(grep -o '](img/[^)]*)' "$f" | sed -e 's/^](//' -e 's/)$//' || true)
done

# Completeness: every E_* / H_* constant of src/text.rs appears as a blockquote line.
awk '
    /^pub const [EH]_[A-Z_]*: &str =/ { want = 1 }
    want && /"/ {
        s = $0
        sub(/^[^"]*"/, "", s); sub(/";[[:space:]]*$/, "", s)
        gsub(/\\\\/, "\001", s); gsub(/\\"/, "\"", s); gsub(/\001/, "\\", s)
        print s; want = 0
    }
' src/text.rs > "$tmp/messages"
grep '^>' "$page" | sed -e 's/^> \{0,1\}//' -e 's/^エラー: //' -e 's/^対処: //' > "$tmp/quoted"
missing=0
while IFS= read -r m; do
    if ! grep -qxF -- "$m" "$tmp/quoted"; then
        echo "$page: not documented (src/text.rs): $m"
        missing=$((missing + 1))
        fail=1
    fi
done < "$tmp/messages"

total=$(wc -l < "$tmp/messages")
if [[ $fail -ne 0 ]]; then
    echo "check-docs-ja: FAILED ($checked quotes checked, $missing of $total messages undocumented)"
    exit 1
fi
echo "check-docs-ja: ok ($checked quotes verbatim in ${sources[*]}; all $total error and hint texts documented)"
