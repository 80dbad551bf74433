"""Travel-time engines: crow-fly fallback, OSM street graphs, GTFS transit."""
