"""IntentBid shared package: route table, pure domain, store, services, HTTP adapter.

Shipped to Lambda as a layer (``layers/shared``). Dependencies point down only:
``functions/*`` -> ``http`` / ``services`` -> ``domain`` + ``store``; ``observability`` is neutral.
"""

__version__ = "0.1.0"
