"""Contacts: ``GET /contact``, ``POST /contact`` and their answers (see :mod:`appconnect.connector.types`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from appconnect.connector.types import AccountCache, ReturnMessage, _empty


@dataclass(frozen=True, kw_only=True)
class ContactLookup:
    """``GET /contact``: the number (E.164 unless ``is_extension``) and the user's overriding formats."""

    phone_number: str
    overriding_format: str = ""
    is_extension: bool = False
    #: company-wide CRM data (picklists) a connector keeps between requests
    cache: AccountCache | None = None


@dataclass(frozen=True, kw_only=True)
class ContactMatches:
    """The contacts found, each ``{id, name, type, phone, ...}`` as the extension reads them (the
    "create new contact" entry included). ``successful`` None: the key is left out of the answer, as the
    reference does for an internal extension number."""

    contacts: list[dict[str, Any]] | None
    successful: bool | None = True
    message: ReturnMessage | None = None


@dataclass(frozen=True, kw_only=True)
class NewContact:
    """``POST /contact``."""

    phone_number: str
    name: str
    type: str = ""
    additional_submission: Mapping[str, Any] = field(default_factory=_empty)
    cache: AccountCache | None = None


@dataclass(frozen=True, kw_only=True)
class CreatedContact:
    """``contact`` ``{id, name, type?}``, or None when nothing was created (``message`` says why)."""

    contact: dict[str, Any] | None
    message: ReturnMessage | None = None
