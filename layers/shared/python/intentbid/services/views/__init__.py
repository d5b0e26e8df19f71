"""Record -> response model, per viewer: the one home of every view. What a principal may see of an object is
decided here, one module per area so a function imports only the response models it answers with (cold start):
``marketplace`` (RFOs and offers), ``accounts`` (accounts and keys), ``antigaming`` (rejections and flags)."""
