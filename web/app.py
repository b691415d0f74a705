"""``jixiao web``: a read-only site in Chinese over the published warehouse.

Pages (server-rendered Jinja2, assets vendored under ``web/static``, nothing from the internet):
首页 ``/``, 单位 ``/unit``, 项目 ``/project/{id}``, 问题 ``/issues`` (退回清单 download
``/issues/download``), 搜索 ``/search``, and 来源 ``/source``: the PDF page a number was printed
on, rendered as an image with the number's cell highlighted, with the file and a download of it.

Every request opens the warehouse read-only and closes it before answering
(:func:`web.queries.connect`): the site holds no connection between requests, so the nightly
ingest (which publishes a new file by rename, :mod:`load.snapshot`) is never in its way. The
cross-year views are read once per published warehouse (:func:`web.queries.derived`), by a
thread that looks every few seconds whether a new one was published.

Access: bound to 127.0.0.1 by default. With a token (``--token`` or ``JIXIAO_WEB_TOKEN``, required
by ``jixiao web`` for any other address) every request must carry it: the header
``X-Jixiao-Token`` (or ``Authorization: Bearer …``), or ``?token=…`` once (the site then sets a
cookie, so links work without it).
"""

from __future__ import annotations

import hmac
import json
import os
import tempfile
import threading
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi import FastAPI, Query, Request
from fastapi.responses import FileResponse, HTMLResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.middleware.base import BaseHTTPMiddleware

from web import queries as Q
from web.render import PageNotFound, page_png, page_size

HERE = Path(__file__).resolve().parent
TOKEN_COOKIE = "jixiao_token"
TOKEN_HEADER = "x-jixiao-token"
LOOPBACK = ("127.0.0.1", "localhost", "::1")
SHANGHAI = ZoneInfo("Asia/Shanghai")


def is_loopback(host: str) -> bool:
    return host in LOOPBACK or host.startswith("127.")


# ----------------------------------------------------------------------------- formatting

def num(v: Any, digits: int = 2) -> str:
    """A number as the reports print it: 2 decimals, thousands separated; '—' for none."""
    if v is None:
        return "—"
    if isinstance(v, (int, float, Decimal)):
        return f"{Decimal(str(v)):,.{digits}f}"
    return str(v)


def beijing(t: datetime | None) -> str:
    """A stored time (UTC) as 北京时间."""
    if t is None:
        return ""
    if t.tzinfo is None:
        t = t.replace(tzinfo=UTC)
    return t.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")


def unit_label(department: str | None, implementing_unit: str | None) -> str:
    if implementing_unit and department and implementing_unit != department:
        return f"{implementing_unit}（{department}）"
    return implementing_unit or department or "（未填单位）"


def unit_query(department: str | None, implementing_unit: str | None) -> str:
    return urlencode({"d": department or "", "u": implementing_unit or ""})


def source_query(project_id: str, year: int, field: str, item: str = "") -> str:
    return urlencode({"p": project_id, "y": year, "f": field, "i": item})


def _text(message: str, status: int) -> Response:
    """A short answer in plain text (a file or page not found, a bad parameter)."""
    return Response(message, status_code=status, media_type="text/plain; charset=utf-8")


# ----------------------------------------------------------------------------- the app

class TokenGate(BaseHTTPMiddleware):
    """Every request carries the token (header, ``?token=`` or the cookie set from it)."""

    def __init__(self, app, token: str) -> None:
        super().__init__(app)
        self.token = token

    def _ok(self, given: str | None) -> bool:
        return bool(given) and hmac.compare_digest(given.encode(), self.token.encode())

    async def dispatch(self, request: Request, call_next):
        auth = request.headers.get("authorization", "")
        header = request.headers.get(TOKEN_HEADER) or (
            auth[7:] if auth.lower().startswith("bearer ") else None)
        query = request.query_params.get("token")
        if self._ok(header) or self._ok(request.cookies.get(TOKEN_COOKIE)):
            return await call_next(request)
        if self._ok(query):
            response = await call_next(request)
            response.set_cookie(TOKEN_COOKIE, self.token, httponly=True, samesite="strict")
            return response
        return HTMLResponse(
            "<!doctype html><meta charset='utf-8'><title>需要访问令牌</title>"
            "<p>需要访问令牌：请使用管理员提供的链接（带 ?token=…），或在请求头 "
            "X-Jixiao-Token 中提供令牌。</p>", status_code=401)


def create_app(db: str | Path, *, token: str | None = None) -> FastAPI:
    """The site over the warehouse file ``db`` (opened read-only per request)."""
    db = Path(db)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        stop = threading.Event()
        threading.Thread(target=_keep_warm, args=(db, stop), daemon=True,
                         name="jixiao-web-views").start()
        yield
        stop.set()

    app = FastAPI(title="jixiao 绩效", docs_url=None, redoc_url=None, openapi_url=None,
                  lifespan=lifespan)
    if token:
        app.add_middleware(TokenGate, token=token)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    templates = Jinja2Templates(directory=HERE / "templates")
    env = templates.env
    env.filters["num"] = num
    env.filters["bj"] = beijing
    env.globals.update(unit_label=unit_label, unit_query=unit_query, source_query=source_query,
                       status_labels=Q.STATUS_LABELS, run_states=Q.RUN_STATES,
                       field_labels=Q.FIELD_LABELS, db_name=db.name)

    def page(request: Request, name: str, status: int = 200, **context: Any) -> HTMLResponse:
        return templates.TemplateResponse(request, name, context, status_code=status)

    def failure(request: Request, title: str, message: str, status: int) -> HTMLResponse:
        return page(request, "error.html", status, title=title, message=message)

    @app.exception_handler(Q.NoWarehouse)
    async def no_warehouse(request: Request, exc: Q.NoWarehouse):
        return failure(request, "数据仓库不存在",
                       f"数据仓库文件 {exc} 不存在：请先运行 jixiao ingest 载入报告，"
                       "或用 --db 指定数据仓库文件。", 503)

    @app.get("/", response_class=HTMLResponse)
    def home(request: Request):
        derived = Q.derived(db)
        with Q.connect(db) as con:
            data = Q.home(con, derived)
        return page(request, "home.html", **data)

    @app.get("/unit", response_class=HTMLResponse)
    def unit(request: Request, d: str = "", u: str = ""):
        derived = Q.derived(db)
        with Q.connect(db) as con:
            data = Q.unit(con, derived, d or None, u or None)
        if not data["projects"]:
            return failure(request, "未找到单位", f"没有单位“{unit_label(d, u)}”的自评表。", 404)
        summary = json.dumps(data["summary"], default=str, ensure_ascii=False)
        return page(request, "unit.html", summary_json=summary.replace("<", "\\u003c"), **data)

    @app.get("/project/{project_id}", response_class=HTMLResponse)
    def project(request: Request, project_id: str):
        derived = Q.derived(db)
        with Q.connect(db) as con:
            data = Q.project(con, derived, project_id)
        if data is None:
            return failure(request, "未找到项目", f"没有编号为 {project_id} 的项目。", 404)
        return page(request, "project.html", **data)

    @app.get("/issues", response_class=HTMLResponse)
    def issues(request: Request, d: str | None = None, u: str | None = None):
        only = d is not None or u is not None
        data = Q.issues(Q.derived(db), d or None, u or None, only_unit=only)
        return page(request, "issues.html", only_unit=only, d=d, u=u, **data)

    @app.get("/issues/download")
    def issues_download(d: str = "", u: str = "", format: str = Query("xlsx")):
        return _return_list(db, d or None, u or None, format)

    @app.get("/search", response_class=HTMLResponse)
    def search(request: Request, q: str = ""):
        found = []
        if q.strip():
            with Q.connect(db) as con:
                found = Q.search(con, q.strip())
        return page(request, "search.html", q=q, found=found)

    @app.get("/source", response_class=HTMLResponse)
    def source(request: Request, p: str, y: int, f: str, i: str = ""):
        with Q.connect(db) as con:
            found = Q.source(con, p, y, f, i)
        if not found:
            return failure(request, "未找到来源",
                           f"项目 {p} {y} 年度的“{Q.FIELD_LABELS.get(f, f)}”没有记录打印位置"
                           "（由较早版本的 jixiao 载入：运行 jixiao ingest --reprocess all 后即有）。",
                           404)
        shown = []
        for s in found:
            try:
                width, height = page_size(s.path, s.page)
                missing = None
            except PageNotFound as exc:
                width = height = 0.0
                missing = str(exc)
            shown.append({"s": s, "width": width, "height": height, "missing": missing})
        return page(request, "source.html", sources=shown, first=found[0])

    @app.get("/document/{document_id}/page/{number}.png")
    def page_image(document_id: str, number: int):
        with Q.connect(db) as con:
            doc = Q.document(con, document_id)
        if doc is None:
            return _text("未找到文件", 404)
        try:
            png, _, _ = page_png(doc["path"], number)
        except PageNotFound as exc:
            return _text(str(exc), 404)
        return Response(png, media_type="image/png",
                        headers={"Cache-Control": "private, max-age=300"})

    @app.get("/document/{document_id}/file")
    def document_file(document_id: str):
        with Q.connect(db) as con:
            doc = Q.document(con, document_id)
        if doc is None or not Path(doc["path"]).is_file():
            return _text("文件不在原位置（已被移动或删除）", 404)
        return FileResponse(doc["path"], media_type="application/pdf",
                            filename=doc["file_name"])

    return app


#: how often the site looks whether a new warehouse was published (seconds)
WARM_EVERY = 5.0


def _keep_warm(db: Path, stop: threading.Event) -> None:
    """Read the cross-year views of a newly published warehouse before a page asks for them
    (:func:`web.queries.derived`: a look at the file's inode and time, and only when it
    changed a read-only connection for the time of the read)."""
    while not stop.is_set():
        try:
            Q.derived(db)
        except Exception:  # no warehouse yet, or it is being replaced: look again later
            pass
        stop.wait(WARM_EVERY)


def _return_list(db: Path, department: str | None, implementing_unit: str | None,
                 fmt: str) -> Response:
    """The unit's 退回清单 (问题清单 sheet of ``jixiao export``), as xlsx or CSV."""
    from load.engine import read
    from warehouse.export import standard_sheets, units, write_csv, write_xlsx

    if fmt not in ("xlsx", "csv"):
        return _text("format 只能是 xlsx 或 csv", 400)
    if not db.is_file():
        raise Q.NoWarehouse(str(db))
    label = unit_label(department, implementing_unit)
    who = implementing_unit or department
    if not who:
        return _text("请指定单位（d=主管部门，u=实施单位）", 400)

    def unit_list(conn):
        # the workbook of the units whose names contain this one's, in the order of units():
        # one 问题清单 sheet per unit, in that order
        known = units(conn, who)
        lists = [s for s in standard_sheets(conn, who) if s.name.startswith("问题清单")]
        key = (department, implementing_unit)
        return lists[known.index(key)] if key in known and known.index(key) < len(lists) \
            else None

    sheet = read(db, unit_list)
    if sheet is None:
        return _text(f"没有单位“{label}”的自评表或问题", 404)
    name = f"退回清单-{label}"
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / f"list.{fmt}"
        if fmt == "xlsx":
            write_xlsx(out, [sheet], title=name)
            media = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        else:
            write_csv(out, sheet)
            media = "text/csv; charset=utf-8"
        data = out.read_bytes()
    from urllib.parse import quote

    return Response(data, media_type=media, headers={
        "Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}.{fmt}"})


def serve(db: str | Path, host: str = "127.0.0.1", port: int = 8000,
          token: str | None = None) -> None:
    """Run the site with uvicorn (what ``jixiao web`` calls)."""
    import uvicorn

    token = token or os.environ.get("JIXIAO_WEB_TOKEN") or None
    if not is_loopback(host) and not token:
        raise ValueError(f"--host {host} 不是本机地址：网络上开放需要访问令牌（--token 或 "
                         "JIXIAO_WEB_TOKEN），因为报告是内部文件")
    uvicorn.run(create_app(db, token=token), host=host, port=port, log_level="warning",
                access_log=False)


__all__ = ["create_app", "serve"]
