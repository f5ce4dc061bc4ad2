"""The templates of the documents, the site pages and the ITA page (``ui/``), shipped in the package
as ``ita_monitor.templates`` (see pyproject.toml); this file only makes the folder a package."""
