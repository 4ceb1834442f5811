"""The ASGI app of ``singletable ui``: Starlette routes rendering Jinja2 templates (autoescaped), no
JavaScript. Every URL carries the token; writes exist only with ``write=True``."""

from __future__ import annotations

import base64
import logging
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode

import jinja2
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.middleware.base import BaseHTTPMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from singletable.errors import SingleTableError, UiInputError
from singletable.table import Table
from singletable.ui import browse, describe, edit
from singletable.ui.security import Guard, new_token

log = logging.getLogger("singletable")
TEMPLATES = Path(__file__).parent / "templates"


class Page:
    """One running page: the Table it reads, its guards, its templates and when it started."""

    def __init__(
        self, table: Table, *, write: bool, token: str, workload: str | None, sample: int = 1000
    ) -> None:
        self.table = table
        self.sample = sample
        self.write = write
        self.token = token
        self.guard = Guard(token, new_token())
        self.workload = workload
        self.started = time.time()
        self.env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True, undefined=jinja2.StrictUndefined
        )
        self.env.globals.update(
            u=self.url, token=token, write=write, table_name=table.name, csrf=self.guard.csrf
        )

    def url(self, path: str, **params: Any) -> str:
        """A link on this page: the token first, then the parameters that are not empty."""
        query = {"token": self.token} | {k: v for k, v in params.items() if v not in (None, "")}
        return f"{path}?{urlencode(query)}"

    def render(self, name: str, status: int = 200, **context: Any) -> HTMLResponse:
        html = self.env.get_template(name).render(page=name.removesuffix(".html"), **context)
        return HTMLResponse(html, status_code=status)

    def error(self, name: str, exc: SingleTableError, **context: Any) -> HTMLResponse:
        return self.render(name, 400, error=str(exc), **context)

    # -- pages ------------------------------------------------------------------------------------

    def overview(self, request: Request) -> Response:
        t = self.table
        return self.render(
            "overview.html",
            entities=describe.entities(t),
            sample=describe.sample_counts(t, self.sample),
            settings=describe.settings(t),
            drifts=describe.drift(t),
            hue=describe.hue,
        )

    def partition(self, request: Request) -> Response:
        q = request.query_params
        t = self.table
        classes = {c.entity_name(): c for c in t.entities}
        inverted = describe.inverted_index(t)
        context: dict[str, Any] = {
            "entities": describe.entities(t),
            "inverted": inverted,
            "raw": q.get("raw") == "1",
            "order": "sk" if q.get("order") == "sk" else "",
            "pk": q.get("pk", ""),
            "index": q.get("index", ""),
            "result": None,
        }
        try:
            pk, index = q.get("pk", ""), q.get("index") or None
            if q.get("entity"):
                cls = classes.get(q["entity"])
                if cls is None:
                    raise UiInputError(f"no entity {q['entity']!r}", field="entity", hint="pick one listed")
                reverse = q.get("side") == "reverse"
                pk = browse.partition_of(cls, q, reverse=reverse)
                index = inverted if reverse else None
                context.update(pk=pk, index=index or "")
            if pk:
                context["result"] = browse.read_partition(t, pk, index=index, cursor=q.get("cursor"))
        except SingleTableError as exc:
            return self.error("partition.html", exc, **context)
        return self.render("partition.html", **context)

    def patterns(self, request: Request) -> Response:
        q = request.query_params
        t = self.table
        known = describe.patterns(t)
        context: dict[str, Any] = {
            "entities": describe.entities(t),
            "chosen": known.get(q.get("id", "")),
            "values": dict(q),
            "ops": browse.SORT_OPS,
            "result": None,
        }
        if "run" in q and context["chosen"] is not None:
            pattern = context["chosen"]
            cls = {c.entity_name(): c for c in t.entities}[pattern.entity]
            try:
                sk = browse.sort_key(q.get("op", "begins_with"), q.get("value", ""), q.get("high", ""))
                context["result"] = browse.run_pattern(t, cls, pattern, q, sk=sk)
            except SingleTableError as exc:
                return self.error("patterns.html", exc, **context)
        return self.render("patterns.html", **context)

    def item(self, request: Request) -> Response:
        q = request.query_params
        pk, sk = q.get("pk", ""), q.get("sk", "")
        found = edit.read_item(self.table, pk, sk) if pk and sk else None
        row = browse.make_row(self.table, found) if found is not None else None
        text = edit.as_text(found) if found is not None else ""
        saved = edit.Saved(True, message="saved") if q.get("saved") else None
        return self.render(
            "item.html", pk=pk, sk=sk, row=row, text=text, original=text, saved=saved, conflict=None
        )

    async def save(self, request: Request) -> Response:
        form = await _form(request)
        refused = self.guard.check_write(request, _field(form, "csrf")) or self._read_only()
        if refused is not None:
            return refused
        pk, sk = _field(form, "pk"), _field(form, "sk")
        text, original = _field(form, "item"), _field(form, "original")
        context: dict[str, Any] = {"pk": pk, "sk": sk, "text": text, "original": original, "conflict": None}
        try:
            saved = await run_in_threadpool(edit.save, self.table, text, original, pk, sk)
        except SingleTableError as exc:
            found = await run_in_threadpool(edit.read_item, self.table, pk, sk)
            row = browse.make_row(self.table, found) if found is not None else None
            return self.error("item.html", exc, row=row, saved=None, **context)
        if saved.ok:
            return RedirectResponse(self.url("/item", pk=pk, sk=sk, saved="1"), status_code=303)
        now = saved.conflict
        context.update(
            conflict=edit.as_text(now) if now is not None else "(the item was deleted)",
            # Saving again is deliberate: conditioned on the item as it is now.
            original=edit.as_text(now) if now is not None else original,
        )
        row = browse.make_row(self.table, now) if now is not None else None
        return self.render("item.html", 409, row=row, saved=saved, **context)

    def confirm_delete(self, request: Request) -> Response:
        if (refused := self._read_only()) is not None:
            return refused
        q = request.query_params
        pk, sk = q.get("pk", ""), q.get("sk", "")
        found = edit.read_item(self.table, pk, sk)
        row = browse.make_row(self.table, found) if found is not None else None
        return self.render(
            "delete.html", pk=pk, sk=sk, row=row, original=edit.as_text(found) if found else "", saved=None
        )

    async def delete(self, request: Request) -> Response:
        form = await _form(request)
        refused = self.guard.check_write(request, _field(form, "csrf")) or self._read_only()
        if refused is not None:
            return refused
        pk, sk, original = _field(form, "pk"), _field(form, "sk"), _field(form, "original")
        saved = await run_in_threadpool(edit.delete, self.table, original, pk, sk)
        now = saved.conflict
        row = browse.make_row(self.table, now) if now is not None else None
        status = 200 if saved.ok else 409
        return self.render("delete.html", status, pk=pk, sk=sk, row=row, original=original, saved=saved)

    def capacity(self, request: Request) -> Response:
        q = request.query_params
        workload = q.get("workload") or self.workload or ""
        context: dict[str, Any] = {
            "summaries": list(self.table.ledger.by_pattern().values()),
            "since": time.strftime("%H:%M:%S UTC", time.gmtime(self.started)),
            "workload": workload,
            "plan": None,
            "plot": None,
        }
        if workload:
            try:
                context["plan"], context["plot"] = _plan(workload)
            except (SingleTableError, ValueError, ImportError) as exc:
                return self.render("capacity.html", 400, error=str(exc), **context)
        return self.render("capacity.html", **context)

    async def failed(self, request: Request, exc: Exception) -> Response:
        """A page-wide error (the table missing, the engine unreachable...) as one catalogued line."""
        from singletable.cli.options import describe as explain

        client = self.table.client
        known = explain(exc, getattr(getattr(client, "meta", None), "endpoint_url", None))
        text = known[0] if known is not None else f"unexpected {type(exc).__name__}: {exc}"
        log.warning("singletable ui: %s", text)
        return self.render("base.html", 400 if isinstance(exc, SingleTableError) else 502, error=text)

    def _read_only(self) -> Response | None:
        if self.write:
            return None
        from singletable.errors import UiReadOnlyError

        err = UiReadOnlyError("this page is read-only")
        return Response(f"403 Forbidden: {err}\n", status_code=403, media_type="text/plain")


def _field(form: dict[str, str], name: str) -> str:
    return form.get(name, "")


async def _form(request: Request) -> dict[str, str]:
    """An urlencoded form (the only kind these pages send; no python-multipart needed)."""
    body = (await request.body()).decode("utf-8", errors="replace")
    return dict(parse_qsl(body, keep_blank_values=True))


def _plan(path: str) -> tuple[Any, str]:
    """The cost planner's plan of a workload file and its plot as a data: URL (PNG)."""
    from singletable.cost import load_workload, plan
    from singletable.cost.plot import plot_plan

    p = plan(load_workload(path))
    with tempfile.TemporaryDirectory() as tmp:
        png = plot_plan(p, Path(tmp) / "plan.png").read_bytes()
    return p, "data:image/png;base64," + base64.b64encode(png).decode()


def create_app(
    table: Table,
    *,
    write: bool = False,
    token: str | None = None,
    workload: str | None = None,
    sample: int = 1000,
) -> Starlette:
    """The page for ``table``; ``token`` (random by default) must be in every request's URL. The overview
    counts entities in the first ``sample`` items a Scan returns."""
    page = Page(table, write=write, token=token or new_token(), workload=workload, sample=sample)
    routes = [
        Route("/", page.overview),
        Route("/partition", page.partition),
        Route("/patterns", page.patterns),
        Route("/item", page.item),
        Route("/item", page.save, methods=["POST"]),
        Route("/delete", page.confirm_delete),
        Route("/delete", page.delete, methods=["POST"]),
        Route("/capacity", page.capacity),
    ]
    from botocore.exceptions import BotoCoreError, ClientError

    app = Starlette(
        routes=routes,
        middleware=[Middleware(BaseHTTPMiddleware, dispatch=page.guard.middleware)],
        exception_handlers={
            SingleTableError: page.failed,
            BotoCoreError: page.failed,
            ClientError: page.failed,
        },
    )
    app.state.page = page
    return app
