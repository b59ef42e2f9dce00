"""The REST API: every operation of ``changeway.operations`` over HTTP (FastAPI)."""
