"""The HTTP edge: API Gateway proxy events in, problem+json or JSON out."""
