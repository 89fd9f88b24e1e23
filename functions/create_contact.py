"""POST /contact"""

from appconnect.http import api_handler
from appconnect.operations.contacts import create_contact

handler = api_handler("createContact", create_contact)
