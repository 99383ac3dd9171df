"""Synthetic city: realistic department exports for tests, demos and benchmarks."""

from engine.synth.generator import DEFAULT_AS_OF, SynthSummary, default_children, generate_city

__all__ = ["DEFAULT_AS_OF", "SynthSummary", "default_children", "generate_city"]
