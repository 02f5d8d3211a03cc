"""zwgk — 政务公开事项标准目录工具 (standard disclosure catalogue tooling)."""

__version__ = "0.1.0"
