#!/usr/bin/env bash
# Checks that every file listed in .clang-format-check (a file, or a directory: all .c and .h
# below it) is formatted as the checked-in .clang-format says. Prints each file that is not,
# with the command that fixes it, and exits 1; exits 0 when all are clean. How the list grows
# is written at the top of .clang-format-check.
set -uo pipefail
cd "$(dirname "$0")/.."

CF=${CLANG_FORMAT:-clang-format}
if ! command -v "$CF" >/dev/null 2>&1; then
  echo "format check: $CF not found (scripts/deps.sh installs clang-format)" >&2
  exit 1
fi

files=()
while read -r entry; do
  entry=${entry%%#*}
  entry=$(echo "$entry" | xargs)
  [ -z "$entry" ] && continue
  if [ -d "$entry" ]; then
    while IFS= read -r f; do files+=("$f"); done < <(find "$entry" -name '*.[ch]' | sort)
  elif [ -f "$entry" ]; then
    files+=("$entry")
  else
    echo "format check: $entry is listed in .clang-format-check but does not exist" >&2
    exit 1
  fi
done < .clang-format-check

bad=0
for f in "${files[@]}"; do
  if ! "$CF" --dry-run --Werror "$f" >/dev/null 2>&1; then
    echo "$f: not clang-format clean (fix: $CF -i $f)"
    bad=$((bad + 1))
  fi
done
if [ "$bad" -ne 0 ]; then
  echo "format check: $bad of ${#files[@]} listed files need clang-format"
  exit 1
fi
echo "format check: ${#files[@]} listed files are clang-format clean"
