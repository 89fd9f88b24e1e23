"""DELETE /pipedrive-redirect: Pipedrive's app-uninstall webhook."""

from appconnect.http import api_handler
from appconnect.operations.app_routes import uninstall_webhook

handler = api_handler("pipedriveUninstall", uninstall_webhook("pipedrive"))
