# 嘉定人才港政策助手 — `make run` starts everything, `make test` runs the tests. Both are idempotent.
SHELL := /bin/bash
VENV  := .venv
PY    := $(VENV)/bin/python
DEPS_HASH := $(shell cat pyproject.toml requirements.lock 2>/dev/null | sha256sum | cut -c1-16)
STAMP := $(VENV)/.installed-$(DEPS_HASH)

.PHONY: run test lint fmt install kb train chat lock clean browser-deps pdf-deps

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

# Browser tests drive Debian's Chromium (Playwright's own browser download does not work here); CJK fonts so
# screenshots show Chinese; poppler-utils (pdftotext, pdffonts, pdftoppm) to read the report PDFs back. Installed
# once, when missing and apt is usable.
browser-deps: pdf-deps
	@if [ ! -x /usr/bin/chromium ] || ! command -v pdftotext >/dev/null; then \
	  if [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null; then \
	    echo "==> 安装 Chromium 与 PDF 工具（浏览器与报告测试用，仅首次）"; \
	    apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium poppler-utils; \
	  else echo "（未安装 chromium / poppler-utils，且无 root：浏览器测试将跳过）"; fi; \
	fi

# The kept report's PDF (WeasyPrint) embeds Noto Sans CJK, found through fontconfig, and needs Pango to lay it out.
pdf-deps:
	@if ! fc-list 2>/dev/null | grep -qi "noto.*cjk" || ! ldconfig -p | grep -q "libpangoft2-1.0"; then \
	  if [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null; then \
	    echo "==> 安装中文字体与 Pango（报告 PDF 用，仅首次）"; \
	    apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q fonts-noto-cjk libpango-1.0-0 libpangoft2-1.0-0; \
	  else echo "（未安装 fonts-noto-cjk / Pango，且无 root：报告 PDF 将无法生成）"; fi; \
	fi

test: train browser-deps
	@echo "==> 运行测试（单元、动作、Rasa 对话测试、端到端）"
	$(PY) -m pytest

# ruff (lint + format check) over everything, mypy --strict over policy_kb (pyproject.toml says what and how),
# no function over 60 lines without a "Long:" reason (scripts/check_function_length.py)
lint: install
	@echo "==> 代码检查（ruff check、ruff format --check、mypy）"
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(PY) scripts/check_function_length.py

fmt: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

run: kb pdf-deps
	@echo "==> [4/4] 训练模型（无变化时跳过）并启动动作服务器与 Rasa 服务器"
	@scripts/run.sh

chat:
	@$(PY) scripts/chat.py

lock: install
	@(echo "# pip constraints: the exact versions tested together (pip freeze of .venv on Python 3.10). Regenerate with: make lock"; \
	  $(PY) -m pip freeze --exclude-editable | grep -vi '^jiading') > requirements.lock

clean:
	rm -rf $(VENV) var models .pytest_cache
