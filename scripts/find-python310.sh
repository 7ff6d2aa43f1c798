#!/usr/bin/env bash
# Print the path of a working Python 3.10 interpreter (Rasa 3.6 needs <3.11), or fail with a clear message.
set -u
try() { "$1" -c 'import sys; assert sys.version_info[:2] == (3, 10)' >/dev/null 2>&1 && { command -v "$1" || echo "$1"; exit 0; }; }
[ -n "${PYTHON310:-}" ] && try "$PYTHON310"
try python3.10
if command -v pyenv >/dev/null 2>&1; then
  for v in $(pyenv versions --bare 2>/dev/null | grep -E '^3\.10(\.|$)' | sort -V -r); do
    try "$(pyenv root)/versions/$v/bin/python3.10"
  done
fi
for p in "$HOME"/.pyenv/versions/3.10*/bin/python3.10 /usr/local/bin/python3.10 /usr/bin/python3.10; do
  [ -x "$p" ] && try "$p"
done
echo "找不到 Python 3.10（Rasa 3.6.21 需要 3.10）。请安装 python3.10，或设置 PYTHON310=/path/to/python3.10" >&2
exit 1
