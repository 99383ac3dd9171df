"""Jinja2 environment of the web UI: autoescaped templates, Japanese date/number filters, page rendering."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from api.security import ROLE_LABELS_JA
from api.web.nav import load_nav

TEMPLATE_DIR = Path(__file__).with_name("templates")
JST = timezone(timedelta(hours=9))
SUPPRESS_BELOW = 10


def _as_date(value: Any) -> date | datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, (date, datetime)):
        return value
    text = str(value)
    try:
        return datetime.fromisoformat(text) if "T" in text or " " in text else date.fromisoformat(text)
    except ValueError:
        return None


def wareki(value: Any) -> str:
    """令和8年4月1日 (2026-04-01); a datetime is shown as its date in Japan time."""
    from engine.dates import format_wareki

    d = _as_date(value)
    if d is None:
        return "" if value in (None, "") else str(value)
    if isinstance(d, datetime):
        d = (d if d.tzinfo else d.replace(tzinfo=UTC)).astimezone(JST).date()
    return f"{format_wareki(d)} ({d.isoformat()})"


def wareki_dt(value: Any) -> str:
    """令和8年4月1日 (2026-04-01) 9:05, in Japan time."""
    d = _as_date(value)
    if not isinstance(d, datetime):
        return wareki(value)
    local = (d if d.tzinfo else d.replace(tzinfo=UTC)).astimezone(JST)
    return f"{wareki(local.date())} {local.hour}:{local.minute:02d}"


def num(value: Any) -> str:
    """Thousands separators: 32700 -> 32,700."""
    if value is None or value == "":
        return ""
    try:
        return f"{int(value):,}" if float(value).is_integer() else f"{float(value):,.1f}"
    except (TypeError, ValueError):
        return str(value)


def count(value: Any) -> str:
    """A count others may see: under 10 shown as 「10未満」 (0 stays 0)."""
    if isinstance(value, str) and value.strip().startswith("<"):
        return "10未満"  # already suppressed by the preview / counts services
    try:
        n = int(value)
    except (TypeError, ValueError):
        return str(value)
    if 0 < n < SUPPRESS_BELOW:
        return "10未満"
    return f"{n:,}"


def people(value: Any) -> str:
    """A count of children with its unit: 「1,234人」, or 「10未満」 (no unit after a suppressed cell)."""
    shown = count(value)
    return shown if shown == "10未満" else f"{shown}人"


templates = Jinja2Templates(directory=str(TEMPLATE_DIR))
templates.env.filters.update(wareki=wareki, wareki_dt=wareki_dt, num=num, count=count, people=people)
templates.env.globals.update(role_labels=ROLE_LABELS_JA)


def add_template_dir(path: Path) -> None:
    """Let another package (or part 2) add its own template folder after ours."""
    loader = templates.env.loader
    searchpath = getattr(loader, "searchpath", None)
    if searchpath is not None and str(path) not in searchpath:
        searchpath.append(str(path))


def render(request: Request, template: str, context: dict[str, Any] | None = None, *, status_code: int = 200,
           user: Any = None) -> HTMLResponse:
    """Render a page; ``user`` (a WebUser) supplies the nav, the CSRF token and the name in the header."""
    nav = load_nav()
    ctx: dict[str, Any] = {"user": user, "nav": nav.for_role(user.role) if user else [],
                           "csrf_token": user.csrf if user else "", "path": request.url.path,
                           "kept": {k.removeprefix("keep_"): v for k, v in request.query_params.items() if k.startswith("keep_")},
                           "city": request.app.state.ctx.settings.city_name}
    ctx.update(context or {})
    return templates.TemplateResponse(request, template, ctx, status_code=status_code)
