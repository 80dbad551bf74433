"""Population cells: points that stand for residents, with weights, commune and sector."""
