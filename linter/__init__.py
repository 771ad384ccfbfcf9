"""snlint: a static linter for ServiceNow exports (update sets, list exports, source control, YAML / JSON)."""

__version__ = "0.1.0"
