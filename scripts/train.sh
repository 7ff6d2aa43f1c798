#!/usr/bin/env bash
# Train the Rasa model only when its inputs changed (see model-hash.sh); print the model path on the last line.
set -euo pipefail
cd "$(dirname "$0")/.."
hash="$(scripts/model-hash.sh)"
model="models/model-${hash}.tar.gz"
if [ -f "$model" ]; then
  echo "==> 模型已是最新（${model}），跳过训练" >&2
else
  echo "==> 训练 Rasa 模型（数据或配置有变化；2 核机器约 5–10 分钟）" >&2
  mkdir -p models
  ACTION_ENDPOINT_URL="${ACTION_ENDPOINT_URL:-http://127.0.0.1:5055/webhook}" \
    .venv/bin/rasa train --config config.yml --domain bot/domain --data data --out models \
      --fixed-model-name "model-${hash}" >&2
  find models -name 'model-*.tar.gz' ! -name "model-${hash}.tar.gz" -delete
fi
echo "$model"
