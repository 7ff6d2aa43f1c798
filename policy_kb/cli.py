"""Staff CLI: ``python -m policy_kb build | show REF | search WORDS | assess PROFILE.json [--today YYYY-MM-DD]``.

Chinese output with a citation on every line; clear messages and a non-zero exit code for bad input.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import NoReturn

from sqlalchemy.exc import SQLAlchemyError

from . import clock
from .kb import PolicyKB
from .profile import Profile, ProfileError
from .report import render_assessment, render_clause
from .rules import messages
from .store import build, database_url, make_engine


def _out(line: str = "") -> None:
    print(line)


def _err(line: str) -> None:
    print(line, file=sys.stderr)


def _load_kb() -> PolicyKB:
    return PolicyKB.load(make_engine())


def cmd_build(args: argparse.Namespace) -> int:
    m = messages()["cli"]
    r = build(make_engine())
    key = "built" if r.changed else "unchanged"
    _out(
        m[key].format(
            clauses=r.clauses,
            measures=r.measures,
            hash=r.source_hash[:12],
            replaced=r.replaced,
            url=_safe_url(database_url()),
        )
    )
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    kb = _load_kb()
    ref = " ".join(args.ref)
    res = kb.resolve(ref)
    c = res.clause
    if c is None:
        _err(res.message)
        return 1
    _out(render_clause(c, kb.title(c.ref)))
    if c.kind == "part" and c.part is not None:
        for child in kb.children(c.part):
            _out(messages()["clause"]["part_item_line"].format(citation=child.citation, title=kb.title(child.ref)))
            _out("    " + child.text_norm)
    return 0


def cmd_search(args: argparse.Namespace) -> int:
    m = messages()
    query = " ".join(args.words).strip()
    if not query:
        _err(m["search"]["empty_query"])
        return 1
    hits = _load_kb().search(query, limit=args.limit)
    if not hits:
        _out(m["search"]["no_results"].format(query=query))
        return 1
    for i, h in enumerate(hits, 1):
        _out(m["cli"]["hit"].format(i=i, citation=h.citation, title=h.title, snippet=h.snippet))
    return 0


def cmd_assess(args: argparse.Namespace) -> int:
    m = messages()["cli"]
    try:
        today = dt.date.fromisoformat(args.today) if args.today else clock.today()
    except ValueError:
        _err(m["bad_today"].format(value=args.today))
        return 2
    path = Path(args.profile)
    if args.profile == "-":
        text = sys.stdin.read()
    elif not path.is_file():
        _err(m["file_not_found"].format(path=args.profile))
        return 1
    else:
        text = path.read_text(encoding="utf-8")
    try:
        profile = Profile.from_json(text, today)
    except ProfileError as e:
        _err(m["profile_invalid"])
        for p in e.problems:
            _err(f"· {p}")
        return 1
    kb = _load_kb()
    a = kb.assess(profile, today, only=args.only or None)
    if args.json:
        _out(json.dumps(a.to_dict(), ensure_ascii=False, indent=2))
    else:
        _out(render_assessment(a))
    return 0


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    try:
        shown: str = make_url(url).render_as_string(hide_password=True)  # untyped SQLAlchemy 1.4
        return shown
    except Exception:
        return "(无效的数据库地址)"


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # Chinese usage errors, exit 2
        self.print_usage(sys.stderr)
        _err(f"参数错误：{message}")
        sys.exit(2)


def parser() -> argparse.ArgumentParser:
    p = _Parser(prog="python -m policy_kb", description="嘉定区人力资源服务业集聚支持办法 知识库（员工命令行）")
    sub = p.add_subparsers(dest="cmd", required=True, parser_class=_Parser)
    sub.add_parser("build", help="把政策文本、条款和措施写入数据库（可重复执行）").set_defaults(fn=cmd_build)
    s = sub.add_parser("show", help="按条款编号查看原文，如 三、2 / 支持政策第7条 / 第五部分")
    s.add_argument("ref", nargs="+")
    s.set_defaults(fn=cmd_show)
    s = sub.add_parser("search", help="关键词检索条款")
    s.add_argument("words", nargs="+")
    s.add_argument("--limit", type=int, default=5)
    s.set_defaults(fn=cmd_search)
    s = sub.add_parser("assess", help="按机构画像(JSON)逐项判断可享受的政策")
    s.add_argument("profile", help="画像 JSON 文件路径，- 表示标准输入")
    s.add_argument("--today", help="评估日期 YYYY-MM-DD（默认今天）")
    s.add_argument("--only", action="append", help="只评估某项措施，如 三、2（可重复）")
    s.add_argument("--json", action="store_true", help="输出 JSON")
    s.set_defaults(fn=cmd_assess)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    fn: Callable[[argparse.Namespace], int] = args.fn  # set by each subcommand's set_defaults
    try:
        return fn(args)
    except SQLAlchemyError as e:
        _err(messages()["cli"]["db_error"].format(url=_safe_url(database_url()), detail=type(e).__name__))
        return 3
