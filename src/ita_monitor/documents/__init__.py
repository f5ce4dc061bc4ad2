"""The official Thai PDFs: the documents' context, rendering with Jinja2 and WeasyPrint (with
the WeasyPrint fixes), the charts and the self-check that reads each PDF back."""
