#!/usr/bin/env bash
# Fails if any tracked C++ file differs from clang-format's output (.clang-format).
set -uo pipefail
cd "$(dirname "$0")/.."
bad=0
while IFS= read -r f; do
  if ! clang-format --dry-run -Werror "$f" >/dev/null 2>&1; then
    echo "not formatted: $f (run: clang-format -i $f)"
    bad=1
  fi
done < <(git ls-files '*.cc' '*.h' 2>/dev/null; git ls-files --others --exclude-standard '*.cc' '*.h' 2>/dev/null)
if [ "$bad" -eq 0 ]; then echo "format: all files formatted"; fi
exit "$bad"
