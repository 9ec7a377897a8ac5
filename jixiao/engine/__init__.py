"""The engine: everything jixiao knows about the forms and their rules, with no face attached.

    model       the form as data          targets     target / actual text parser
    profiles    rule profiles (data)       scoring     execution rate, scores, totals, grades
    excel       Excel's ROUND and blanks   contract    the workbook's JX_ names and parameters
    reader      workbook -> Form           safeopen    file vetting and limits before reading
    validation  the reviewer's rules       errors      messages users see; files: atomic writes

Imports no face (jixiao.templates, jixiao.udfs, jixiao.addin, jixiao.cli): tests/test_architecture.py.
"""
