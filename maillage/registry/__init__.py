"""The registry: communes, sites, SST sectors and conventions in SQL (SQLite or PostgreSQL/PostGIS)."""
