"""Outputs of an audit: terminal tables, JSON/CSV/GeoJSON files and a self-contained HTML report."""
