"""Analyses over the mart (engine-only: reads the mart through engine.mart.layout)."""
