"""Staff CLI: ``python -m policy_kb build | load FILE --effective DATE [--document NAME] | versions | check |
show REF [--as-of DATE] | search WORDS | assess PROFILE.json [--today YYYY-MM-DD]``.

Chinese output with a citation on every line; clear messages and a non-zero exit code for bad input.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn

from sqlalchemy.exc import SQLAlchemyError

from . import clock
from .kb import PolicyKB, PolicyLibrary
from .profile import Profile, ProfileError
from .report import render_assessment, render_clause
from .rules import messages
from .store import DateMismatch, VersionConflict, build, database_url, load_version, make_engine
from .versions import DEFAULT_DOCUMENT


def _out(line: str = "") -> None:
    print(line)


def _err(line: str) -> None:
    print(line, file=sys.stderr)


def _load_kb(on: dt.date | None = None) -> PolicyKB:
    return PolicyKB.load(make_engine(), on=on)


def _date_arg(value: str | None, flag: str) -> dt.date | None:
    """A YYYY-MM-DD option; None when not given. Raises ValueError with the Chinese message."""
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ValueError(messages()["cli"]["bad_date"].format(flag=flag, value=value)) from None


def cmd_load(args: argparse.Namespace) -> int:
    m = messages()["cli"]
    try:
        effective = _date_arg(args.effective, "--effective")
    except ValueError as e:
        _err(str(e))
        return 2
    path = Path(args.file)
    if not path.is_file():
        _err(m["text_not_found"].format(path=args.file))
        return 1
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        _err(m["not_utf8"].format(path=args.file))
        return 1
    engine = make_engine()
    build(engine)
    document = args.document or DEFAULT_DOCUMENT
    try:
        r = load_version(engine, text, effective or clock.today(), document, force=args.force)
    except DateMismatch as e:
        _err(m["date_mismatch"].format(stated=e.stated.isoformat(), given=e.given.isoformat()))
        return 1
    except VersionConflict as e:
        _err(m["version_conflict"].format(detail=str(e)))
        return 1
    except ValueError as e:
        detail = m["not_the_notice"] if document == DEFAULT_DOCUMENT else str(e)  # parse()'s own reason is English
        _err(m["not_parsed"].format(document=document, detail=detail))
        return 1
    key = "loaded" if r.changed else "load_unchanged"
    _out(
        m[key].format(
            document=document,
            effective=r.effective_from.isoformat(),
            clauses=r.clauses,
            number=r.doc_number or m["no_number"],
        )
    )
    stale = PolicyLibrary.load(engine, auto_build=False).check() if document == DEFAULT_DOCUMENT else []
    if stale:
        _out(m["load_stale"].format(n=len(stale)))
        _print_stale(stale)
    return 0


def cmd_versions(args: argparse.Namespace) -> int:
    m = messages()["cli"]
    lib = PolicyLibrary.load(make_engine())
    today = clock.today()
    for name, versions in lib.documents.items():
        _out(m["versions_document"].format(document=name, n=len(versions)))
        for v in versions:
            period = (
                m["period_open"] if v.effective_to is None else m["period_to"].format(to=v.effective_to.isoformat())
            )
            mark = m["in_force_mark"] if v.in_force(today) else ""
            _out(
                m["versions_line"].format(
                    number=v.doc.doc_number or v.doc.title,
                    start=v.effective_from.isoformat(),
                    period=period,
                    origin=m["origins"].get(v.origin, v.origin),
                    hash=v.doc.source_hash[:12],
                    mark=mark,
                )
            )
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    m = messages()["cli"]
    lib = PolicyLibrary.load(make_engine())
    stale = lib.check()
    for v in lib.versions:
        n = sum(1 for s in stale if s.text_version == v.label)
        _out(
            m["check_version"].format(version=v.label, result=m["check_ok"] if not n else m["check_stale"].format(n=n))
        )
    if stale:
        _print_stale(stale)
        return 1
    return 0


def _print_stale(stale: list[Any]) -> None:
    m = messages()["cli"]
    for s in stale:
        key = "stale_rule" if s.ref[:1] in "一二三四五六七八九十" else "stale_statement"  # a clause's rule, or a list
        _out(m[key].format(ref=s.ref, version=s.text_version))
        for p in s.problems:
            _out(f"    · {p}")


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
    if r.kept_loaded:
        _out(m["build_kept_loaded"])
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    try:
        on = _date_arg(args.as_of, "--as-of")
    except ValueError as e:
        _err(str(e))
        return 2
    kb = _load_kb(on)
    ref = " ".join(args.ref)
    if args.document and args.document != DEFAULT_DOCUMENT:
        if not any(v.document == args.document for v in kb.supplements):
            held = "、".join(v.document for v in kb.supplements) or messages()["versions"]["none_held"]
            _err(messages()["cli"]["no_document"].format(document=args.document, held=held))
            return 1
        ref = f"{args.document}{ref}"
    res = kb.resolve(ref)
    c = res.clause
    if c is None:
        _err(res.message)
        return 1
    _out(render_clause(c, kb.title(c.ref) or c.heading))
    if c.kind == "part" and c.part is not None and c.short_title == "《办法》":
        for child in kb.children(c.part):
            _out(messages()["clause"]["part_item_line"].format(citation=child.citation, title=kb.title(child.ref)))
            _out("    " + child.text_norm)
    version = (
        kb.version if c.short_title == "《办法》" else next(v for v in kb.supplements if v.short_title == c.short_title)
    )
    _out(messages()["versions"]["used"].format(version=version.label))
    if not kb.in_force:
        _out(messages()["cli"]["not_in_force"].format(date=on.isoformat() if on else "", version=version.label))
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
        today = _date_arg(args.today, "--today") or clock.today()
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
    kb = _load_kb(today)
    a = kb.assess(profile, today, only=args.only or None)
    if args.json:
        _out(json.dumps({**a.to_dict(), "version": kb.version.to_dict()}, ensure_ascii=False, indent=2))
    else:
        _out(render_assessment(a, kb.version.label))
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
    s = sub.add_parser("load", help="加入一个文本版本（修订后的《办法》或实施细则等补充文件），旧版本保留")
    s.add_argument("file", help="文本文件（UTF-8）")
    s.add_argument("--effective", required=True, help="施行日期 YYYY-MM-DD")
    s.add_argument("--document", help="文件名称，默认“办法”；补充文件如“实施细则”")
    s.add_argument("--force", action="store_true", help="文本自述的施行日期与 --effective 不同时仍然加入")
    s.set_defaults(fn=cmd_load)
    sub.add_parser("versions", help="列出各文件及其版本和施行期间").set_defaults(fn=cmd_versions)
    sub.add_parser("check", help="逐个版本核对规则与原文；有过时规则时列出并以 1 退出").set_defaults(fn=cmd_check)
    s = sub.add_parser("show", help="按条款编号查看原文，如 三、2 / 支持政策第7条 / 第五部分")
    s.add_argument("ref", nargs="+")
    s.add_argument("--as-of", dest="as_of", help="按该日施行的版本 YYYY-MM-DD（默认今天）")
    s.add_argument("--document", help="补充文件名称，如“实施细则”")
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
    except BrokenPipeError:  # the output piped into a command that stopped reading (| head): not an error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no second error when Python flushes
        return 0
