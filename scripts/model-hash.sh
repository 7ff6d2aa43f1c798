#!/usr/bin/env bash
# Hash of everything a trained model depends on: config, domain, training data, custom NLU code, jieba dictionary,
# and the pinned dependencies. The model file is named after it, so training runs only when one of these changed.
set -euo pipefail
cd "$(dirname "$0")/.."
{
  find config.yml bot/domain data bot/nlu policy_kb/data/jieba policy_kb/extract.py policy_kb/jieba_setup.py policy_kb/text.py policy_kb/data/vocabulary.yaml \
       requirements.lock -type f \( -name '*.yml' -o -name '*.yaml' -o -name '*.py' -o -name '*.txt' -o -name '*.lock' \) \
       -not -path '*/__pycache__/*' | LC_ALL=C sort | while read -r f; do echo "== $f"; cat "$f"; done
} | sha256sum | cut -c1-16
