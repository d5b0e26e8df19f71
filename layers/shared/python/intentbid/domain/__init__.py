"""The pure domain: no AWS imports, no I/O. Safe to import from anywhere."""
