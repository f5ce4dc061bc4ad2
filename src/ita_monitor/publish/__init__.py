"""Publishing documents to the agency's website, behind one interface (see base.py)."""
