"""jixiao 绩效自评: templates, worksheet functions, add-in and command line for 项目支出绩效自评表.

One import package; its parts, with dependencies pointing one way (faces -> engine):

    jixiao.engine      the rules: model, target-text parser, scoring, Excel rounding, profiles, the
                       workbook reader and the validation rules. Imports no face.
    jixiao.templates   the rule profiles and form layouts (data), the template builder with its
                       native-formula writer, and `fill`          (repository folder templates/)
    jixiao.udfs        the JX_ worksheet functions (xlwings UDFs)  (repository folder udfs/)
    jixiao.addin       the ribbon, its VBA and the button actions   (repository folder addin/)
    jixiao.cli         the `jixiao` command line (`python -m jixiao`)
"""

__version__ = "0.1.0"
