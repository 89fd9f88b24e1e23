"""GET /crmManifest"""

from appconnect.http import api_handler
from appconnect.operations.health import crm_manifest

handler = api_handler("crmManifest", crm_manifest)
