"""IntentBid's local runtime: moto, a local API Gateway, event-source pollers and the dashboard on one machine.

Entry points: ``python -m intentbid_local.run`` (``make dev``), ``python -m intentbid_local.invoke``
(``make invoke``) and ``python -m intentbid_local.demo`` (``make demo``). Everything it runs goes through the
same handlers (``functions/<name>/app.py``) that run on Lambda.
"""
