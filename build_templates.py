"""Build the fiscal year's self-evaluation workbooks, the two filled seed forms and the add-in.

    python build_templates.py                      # this year, every profile, native formulas -> dist/<year>/
    python build_templates.py --year 2027 --profile national zhuzhou --formulas udf --out out/

The work is done by jixiao.templates.build (also `jixiao build` once installed).
"""
import sys

from jixiao.templates.build import build, main  # noqa: F401 - build() is this script's API too

if __name__ == "__main__":
    sys.exit(main())
