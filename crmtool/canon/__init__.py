"""One definition of each concept that several stages need.

Each module here is the reference form of one concept, in plain Python; where a stage needs it in
another form (SQL, a DuckDB Arrow function, numpy), the module names that translation and a test
holds the translation to this definition (tests/test_canon.py). Nothing here imports the rest of
crmtool.
"""
