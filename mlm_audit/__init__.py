"""mlm-audit: audit distribution networks against anti-pyramid rule packs."""

__version__ = "0.1.0"
