"""GET /implementedInterfaces"""

from appconnect.http import api_handler
from appconnect.operations.health import implemented_interfaces

handler = api_handler("implementedInterfaces", implemented_interfaces)
