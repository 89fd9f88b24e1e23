"""GET /admin/settings"""

from appconnect.http import api_handler
from appconnect.operations.admin import get_admin_settings

handler = api_handler("getAdminSettings", get_admin_settings)
