"""Excel for Jincai Desk: templates, imports with every error named, exports.

- :mod:`app.excel.safety`     — what a file really is; size, zip-bomb and row guards
- :mod:`app.excel.reader`     — data sheet, header row, column synonyms, unit, data rows (python-calamine)
- :mod:`app.excel.validate`   — row validation with the ``fiscal`` rules
- :mod:`app.excel.importer`   — ``import_workbook``: all or nothing / partial / dry run
- :mod:`app.excel.sinks`      — where rows go (JSON-lines, memory; the local DB later)
- :mod:`app.excel.annotate`   — annotated copy of the user's workbook (openpyxl)
- :mod:`app.excel.templates`  — blank templates (openpyxl)
- :mod:`app.excel.export`     — execution reports and application lists (openpyxl)
- :mod:`app.excel.cli`        — ``jincai excel ...``

No Qt and no server here (import-linter contract).
"""
