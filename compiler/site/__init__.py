"""The website standardisation column (标准化工作专栏): `zwgk site` builds it from a compiled catalogue."""

from zwgk.compiler.site.build import SiteError, SiteResult, build_site, load_catalogue

__all__ = ["SiteError", "SiteResult", "build_site", "load_catalogue"]
