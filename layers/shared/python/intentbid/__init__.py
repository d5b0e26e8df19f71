"""IntentBid shared package: route table, pure domain, store, services, HTTP adapter.

Shipped to Lambda as a layer (``layers/shared``). Dependencies point down only:
``functions/*`` -> ``http`` / ``services`` -> ``domain`` + ``store``; ``observability`` is neutral.
"""

import os

__version__ = "0.1.0"

# We use no pydantic plugins: without this, the first model built scans every installed distribution's entry
# points (importlib.metadata) at cold start. ``setdefault``: an explicit PYDANTIC_DISABLE_PLUGINS still wins.
os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
