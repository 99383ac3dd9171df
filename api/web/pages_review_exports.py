"""Reviewers: a child's page (こどもごとの理由) as Excel or CSV for the case meeting.

Pseudonyms only, unless the reviewer asks for the 宛名番号: that is a re-identification under the typed
reason, logged as such before the file is built. Every export is logged (出力者, 出力日時 and the
run's 基準日 are on the file).
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from api import audit_store
from api.auth import get_db
from api.errors import ServiceError
from api.services import reasons, review_exports, runs
from api.web.deps import WebUser, page_user
from api.web.pages_review import REVIEWERS, _child_context

router = APIRouter(prefix="/ui/review", include_in_schema=False)
MEDIA = {"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
         "utf-8-sig": "text/csv; charset=utf-8", "cp932": "text/csv; charset=shift_jis"}


@router.get("/runs/{run_id}/children/{pseudonym}/export")
def child_export(run_id: int, pseudonym: str, request: Request, reason: str = "", format: str = "xlsx",
                 encoding: str = "utf-8-sig", with_atena: str = "", user: WebUser = Depends(page_user(*REVIEWERS)),
                 db: Session = Depends(get_db)) -> Response:
    reason = reasons.require_reason(reason, "出力" if not with_atena else "再識別を含む出力")
    if format not in ("xlsx", "csv") or encoding not in ("utf-8-sig", "cp932"):
        raise ServiceError("出力形式は Excel（xlsx）又は CSV（UTF-8 / CP932）を選んでください", status_code=422)
    run = runs.get_run(db, run_id)
    page = _child_context(request, db, run, pseudonym)
    atena = None
    if with_atena:
        atena = review_exports.atena_numbers(request.app.state.ctx.settings, [pseudonym])[pseudonym]
        audit_store.append(db, user.actor, "reidentified", "child", pseudonym, reason=reason,
                           details={"run_id": run_id, "via": "export"})
    c = page["c"]
    meta = review_exports.child_meta(user.display_name, run.reference_date.isoformat(), run.id, pseudonym, c.total, c.rank,
                                     atena=atena)
    data = review_exports.render_sections(format, meta, review_exports.child_sections(page), encoding=encoding)  # type: ignore[arg-type]
    audit_store.append(db, user.actor, "results_exported", "child", pseudonym, reason=reason,
                       details={"run_id": run_id, "format": format, "encoding": encoding if format == "csv" else None,
                                "rows": len(page["fired"]), "reidentified": atena is not None})
    db.commit()  # logged before the file leaves
    media = MEDIA["xlsx"] if format == "xlsx" else MEDIA[encoding]
    return Response(data, media_type=media, headers={"Cache-Control": "no-store",
                                                     "Content-Disposition": f'attachment; filename="child-{pseudonym}-run{run_id}.{format}"'})
