"""The rule language: models (``model``), JSON Schema (``schema``), validation and shared semantics."""
