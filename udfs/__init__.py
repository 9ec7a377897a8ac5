"""jixiao: rules engine and JX_ worksheet functions for 项目支出绩效自评表."""

__version__ = "0.1.0"
