"""The service layer: one module per area; routes and CLI commands call these functions."""
