"""The store of enriched posts and alerts (Elasticsearch in production, SQLite embedded). Not built yet."""
