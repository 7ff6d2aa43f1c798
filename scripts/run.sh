#!/usr/bin/env bash
# Start the action server and the Rasa server (REST + socket.io channels); Ctrl-C stops both.
set -euo pipefail
cd "$(dirname "$0")/.."
model="$(scripts/train.sh | tail -1)"

export SANIC_HOST="${ACTION_HOST:-127.0.0.1}"          # the action server listens on localhost only
ACTION_PORT="${ACTION_PORT:-5055}"
RASA_PORT="${RASA_PORT:-5005}"
export ACTION_ENDPOINT_URL="${ACTION_ENDPOINT_URL:-http://127.0.0.1:${ACTION_PORT}/webhook}"
mkdir -p var/log

pids=()
cleanup() {
  trap - INT TERM EXIT
  echo; echo "==> 正在停止…"
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  echo "==> 已停止"
}
trap cleanup INT TERM EXIT

echo "==> 启动动作服务器（127.0.0.1:${ACTION_PORT}，日志 var/log/actions.log）"
.venv/bin/rasa run actions --actions actions --port "$ACTION_PORT" > var/log/actions.log 2>&1 &
pids+=($!)

api_args=()
if [ "${RASA_ENABLE_API:-0}" = "1" ]; then
  if [ -z "${RASA_API_TOKEN:-}" ]; then
    echo "RASA_ENABLE_API=1 需要同时设置 RASA_API_TOKEN（HTTP API 必须有令牌保护）" >&2; exit 1
  fi
  api_args=(--enable-api --auth-token "$RASA_API_TOKEN")
fi
cors_args=()
[ -n "${RASA_CORS:-}" ] && cors_args=(--cors "$RASA_CORS")

echo "==> 启动 Rasa 服务器（端口 ${RASA_PORT}，日志 var/log/rasa.log；加载模型约需 30 秒）"
# One TensorFlow thread per Rasa process: the intent model is small and thread hand-offs cost more than they give
# (profiled on 2 cores, bench/PROFILE.md). Only for Rasa: set for the action server, they would make the rasa CLI
# import TensorFlow there too (+500 MB). scripts/rasa_run.py is `rasa` without TensorFlow's unused JAX import (−190 MB).
TF_INTRA_OP_PARALLELISM_THREADS="${TF_INTRA_OP_PARALLELISM_THREADS:-1}" \
TF_INTER_OP_PARALLELISM_THREADS="${TF_INTER_OP_PARALLELISM_THREADS:-1}" \
.venv/bin/python scripts/rasa_run.py run --model "$model" --port "$RASA_PORT" -i "${RASA_HOST:-0.0.0.0}" \
  --credentials bot/credentials.yml --endpoints bot/endpoints.yml "${api_args[@]}" "${cors_args[@]}" \
  > var/log/rasa.log 2>&1 &
pids+=($!)

for i in $(seq 1 180); do
  if curl -sf "http://127.0.0.1:${RASA_PORT}/" >/dev/null 2>&1 && curl -sf "http://127.0.0.1:${ACTION_PORT}/health" >/dev/null 2>&1; then
    break
  fi
  for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null || { echo "启动失败，见 var/log/*.log" >&2; tail -20 var/log/rasa.log var/log/actions.log >&2; exit 1; }; done
  sleep 1
done
cat <<MSG

==> 政策助手已启动：
    REST:      curl -s -X POST http://localhost:${RASA_PORT}/webhooks/rest/webhook \\
                 -H 'Content-Type: application/json' -d '{"sender":"me","message":"租金补贴怎么算"}'
    网页对话:  http://localhost:${RASA_PORT}/webhooks/web/
    嵌入代码:  <script src="http://localhost:${RASA_PORT}/webhooks/web/embed.js" async></script>
    员工后台:  http://localhost:${RASA_PORT}/webhooks/staff/?token=…（需设置 STAFF_TOKEN）
    微信公众号: http://localhost:${RASA_PORT}/webhooks/wechat/webhook（需设置 WECHAT_TOKEN 等）
    socket.io: http://localhost:${RASA_PORT}/socket.io
    终端对话:  .venv/bin/python scripts/chat.py
    按 Ctrl-C 停止。
MSG
wait -n "${pids[@]}"
