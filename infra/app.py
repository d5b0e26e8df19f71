#!/usr/bin/env python
"""CDK entry point (cdk.json: ``.venv/bin/python infra/app.py``). Everything else is in intentbid_infra."""

from intentbid_infra.app import build

if __name__ == "__main__":
    app, _ = build()
    app.synth()
