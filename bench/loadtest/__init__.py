"""The load test behind ``bench/load.py``, importable (``from loadtest import runner``; pytest has ``bench`` on its
path): :mod:`loadtest.model` the rules as one vendor meets them, :mod:`loadtest.scenario` the world and each
vendor's plan, :mod:`loadtest.runner` the run, races, verification and report. The HTTP client, the runtime
launcher, the bodies and the time helpers are the kit's (``intentbid_local``)."""
