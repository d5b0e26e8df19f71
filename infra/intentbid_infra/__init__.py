"""IntentBid infrastructure (AWS CDK): one construct per capability, all derived from the shared package.

Nothing here lists an endpoint, a table, a queue or a permission: routes come from ``intentbid.routes``,
workers and queues from ``intentbid.workers``, tables from the PynamoDB models (``intentbid.store.tables``),
IAM from ``intentbid.iam`` and the expiry workflow from its ASL file. Constants live in
:mod:`intentbid_infra.config`.
"""
