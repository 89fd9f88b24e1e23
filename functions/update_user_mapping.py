"""POST /admin/userMapping"""

from appconnect.http import api_handler
from appconnect.operations.admin import update_user_mapping

handler = api_handler("updateUserMapping", update_user_mapping)
