"""Ruleset -> one DuckDB query (sqlglot AST). See ``engine.compiler.query``."""

from engine.compiler.query import CompiledRuleset, CompileError, compile_ruleset

__all__ = ["CompiledRuleset", "CompileError", "compile_ruleset"]
