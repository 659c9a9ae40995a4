"""The JSON API (django-ninja): one NinjaAPI object that apps add their routers to.

Served under /api/, with the OpenAPI schema at /api/openapi.json and its documentation page at
/api/docs.
"""

from ninja import NinjaAPI

api = NinjaAPI(
    title="motcua API",
    version="1",
    description="Integration API of motcua: upstream intake, later exchange between agencies.",
    urls_namespace="api",
)
