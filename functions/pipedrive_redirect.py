"""GET /pipedrive-redirect: the page Pipedrive's app install and OAuth redirect land on."""

from appconnect.http import api_handler
from appconnect.operations.app_routes import app_page

handler = api_handler("pipedriveRedirect", app_page("pipedrive"))
