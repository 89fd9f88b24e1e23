"""POST /admin/settings"""

from appconnect.http import api_handler
from appconnect.operations.admin import update_admin_settings

handler = api_handler("updateAdminSettings", update_admin_settings)
