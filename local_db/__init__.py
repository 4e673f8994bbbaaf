"""Local SQLite storage: schema, migrations and queries. Never imports Qt."""
