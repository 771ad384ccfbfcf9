"""JSON Schemas shipped with snlint (configuration, credential exports)."""
