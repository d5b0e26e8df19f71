"""Use cases: one function per thing a principal can do. They take a Principal and validated input, apply
the domain rules, call the store, and return response models. No HTTP, no botocore here."""
