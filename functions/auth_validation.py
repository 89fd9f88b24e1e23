"""GET /authValidation"""

from appconnect.http import api_handler
from appconnect.operations.auth import auth_validation

handler = api_handler("authValidation", auth_validation)
