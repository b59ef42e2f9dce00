"""Relational storage: SQLite by default, PostgreSQL for shared use (SQLAlchemy Core)."""
