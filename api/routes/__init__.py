"""FastAPI routers, one per area."""
