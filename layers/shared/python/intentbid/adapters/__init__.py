"""Adapters to AWS services other than the store (DynamoDB): today the expiry scheduler (Step Functions + SQS)."""
