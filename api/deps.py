"""The shared dependencies of the API routes, declared once as ``Annotated`` aliases.

- ``Ctx``: the service context (settings, database engine, catalog, policy).
- ``Db``: one database session per request (committed when the endpoint returns, else rolled back).
- One alias per action of the role table (``api/roles.yaml``): the caller is authenticated and has a role
  the table allows for that action. A route writes ``p: deps.RegistryDecider``, never a role name.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends
from sqlalchemy.orm import Session

from api.auth import Principal, get_ctx, get_db, require_action
from api.context import ServiceContext

Ctx = Annotated[ServiceContext, Depends(get_ctx)]
Db = Annotated[Session, Depends(get_db)]


def allowed(action: str) -> Any:
    """``Annotated[Principal, ...]`` for a caller allowed to perform ``action`` (checked against the table now)."""
    return Annotated[Principal, Depends(require_action(action))]


SessionSelf = allowed("session.self")
UserAdmin = allowed("users.manage")
DraftWriter = allowed("drafts.write")
DraftReader = allowed("drafts.read")
RuleValidator = allowed("rules.validate")
Previewer = allowed("preview")
RulesetWriter = allowed("rulesets.write")
RulesetReader = allowed("rulesets.read")
RulesetPublisher = allowed("rulesets.publish")
RunStarter = allowed("runs.start")
RunReader = allowed("runs.read")
ResultReader = allowed("results.read")
Reidentifier = allowed("children.reidentify")
RegistryReader = allowed("registry.read")
RegistryProposer = allowed("registry.propose")
RegistryDecider = allowed("registry.decide")
RegistryExporter = allowed("registry.export")
MinimizationReader = allowed("registry.minimization")
ScheduleReader = allowed("schedules.read")
ScheduleWriter = allowed("schedules.write")
ScheduleTextReader = allowed("schedule_text.read")
OutcomeRecorder = allowed("outcomes.record")
OutcomeStatsReader = allowed("outcomes.stats")
AuditReader = allowed("audit.read")
