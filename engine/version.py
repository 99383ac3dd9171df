"""Version of the scoring engine, recorded in every run manifest.

Bump it whenever a change can alter a run's output for the same mart, ruleset and reference date
(semantics, tie-breaking, output format).
"""

ENGINE_VERSION = "tsunagu-engine/1.0.0"
