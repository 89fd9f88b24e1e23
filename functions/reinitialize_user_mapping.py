"""POST /admin/reinitializeUserMapping"""

from appconnect.http import api_handler
from appconnect.operations.admin import reinitialize_user_mapping

handler = api_handler("reinitializeUserMapping", reinitialize_user_mapping)
