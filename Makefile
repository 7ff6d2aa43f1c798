# 嘉定人才港政策助手 — `make run` starts everything, `make test` runs the tests. Both are idempotent.
SHELL := /bin/bash
VENV  := .venv
PY    := $(VENV)/bin/python
DEPS_HASH := $(shell cat pyproject.toml requirements.lock 2>/dev/null | sha256sum | cut -c1-16)
STAMP := $(VENV)/.installed-$(DEPS_HASH)

.PHONY: run test install kb train chat lock clean

install: $(STAMP)

$(STAMP): pyproject.toml requirements.lock
	@echo "==> [1/4] 准备 Python 3.10 虚拟环境 .venv"
	@test -x $(PY) && $(PY) -c 'import sys; assert sys.version_info[:2]==(3,10)' 2>/dev/null || { rm -rf $(VENV); "$$(scripts/find-python310.sh)" -m venv $(VENV); }
	@echo "==> [2/4] 安装依赖（首次约 2–5 分钟，之后跳过）"
	$(PY) -m pip install --progress-bar on --disable-pip-version-check -q --upgrade pip wheel "setuptools<71"
	$(PY) -m pip install --progress-bar on --disable-pip-version-check -c requirements.lock -e '.[dev]'
	@rm -f $(VENV)/.installed-*
	@touch $@

kb: install
	@echo "==> [3/4] 构建知识库（文本未变时跳过）"
	@$(PY) -m policy_kb build

train: kb
	@scripts/train.sh >/dev/null

test: train
	@echo "==> 运行测试（单元、动作、Rasa 对话测试、端到端）"
	$(PY) -m pytest

run: kb
	@echo "==> [4/4] 训练模型（无变化时跳过）并启动动作服务器与 Rasa 服务器"
	@scripts/run.sh

chat:
	@$(PY) scripts/chat.py

lock: install
	@(echo "# pip constraints: the exact versions tested together (pip freeze of .venv on Python 3.10). Regenerate with: make lock"; \
	  $(PY) -m pip freeze --exclude-editable | grep -vi '^jiading') > requirements.lock

clean:
	rm -rf $(VENV) var models .pytest_cache
