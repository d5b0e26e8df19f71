"""One module per table, so a function imports only the models it uses (the authorizer: keys only)."""
