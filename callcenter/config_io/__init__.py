"""Configuration as code: the center's set-up exported to one YAML file and imported back.

``export.py`` reads the database into a plain document, ``importer.py`` makes the database
match a document (through the admin services, audited), ``cli.py`` is ``callcenter config``.
"""
