"""Request and response models (pydantic v2). Named by the route table as ``"<module>:<Class>"``."""
