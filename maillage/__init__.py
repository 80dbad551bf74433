"""maillage: audit, plan and steer a territorial network of social services.

The public API is small: load a registry snapshot, build population cells, pick a travel-time
engine, run the guarantee audit, write a report. See README.md for the flow.
"""

__version__ = "0.1.0"
