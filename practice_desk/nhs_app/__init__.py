"""NHS App and online access: NHS App dashboard exports (practice level), the published ICB and
national NHS App statistics, and POMI (patient online management information) files.

Importing the submodules registers their importers, column-mapping kinds and coverage sources.
"""
