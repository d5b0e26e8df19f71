"""The store: PynamoDB models (the one schema) and repositories.

AWS error codes become domain exceptions here; nothing above this layer sees botocore or PynamoDB errors.
"""
