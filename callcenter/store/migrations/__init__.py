"""Alembic migrations of the callcenter schema (run with ``callcenter db upgrade``)."""
