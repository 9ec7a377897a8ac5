"""The JX_ worksheet functions (installed as jixiao.udfs; xlwings `UDF Modules = jixiao.udfs.functions`)."""
