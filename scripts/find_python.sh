#!/usr/bin/env bash
# Prints the path of a Python >= 3.12 (Django 6 needs it), preferring pyenv's 3.12.
# Exits non-zero with a message on stderr when there is none.
set -u
candidates=()
if command -v pyenv >/dev/null 2>&1; then
  root=$(pyenv root)
  for v in "$root"/versions/3.12.*; do [ -x "$v/bin/python" ] && candidates+=("$v/bin/python"); done
fi
for name in python3.12 python3.13 python3.14 python3; do
  command -v "$name" >/dev/null 2>&1 && candidates+=("$(command -v "$name")")
done
for py in "${candidates[@]}"; do
  if "$py" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' 2>/dev/null; then
    echo "$py"
    exit 0
  fi
done
echo "No Python 3.12 or newer found. Django 6 needs it: install Python 3.12 (for example 'pyenv install 3.12') and run make again." >&2
exit 1
