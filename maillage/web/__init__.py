"""Web layer: the public "Où m'adresser ?" page and the planner workspace (FastAPI, thin over the library).

``create_app`` lives in :mod:`maillage.web.app`; import it from there (importing this package stays
cheap for the CLI).
"""
