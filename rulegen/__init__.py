"""Rule drafting: staff's Japanese criteria -> validated rules (LLM or offline drafter).

Public API: `rulegen.drafting.make_drafter`, `rulegen.conversation.Conversation`.
This package may import `engine` only (never `privacy`): the PII guard is injected
through the `rulegen.guard.TextGuard` protocol.
"""
