"""Delivering messages to patients and staff: pluggable by channel.

Email goes through Django's email backend (EMAIL_BACKEND: the console backend outside
production, so the demo prints messages). SMS goes through the class named by
KCLINIC_SMS_BACKEND; the default `LoggingSms` sends nothing and writes the message to the
log, so a clinic plugs in its gateway by writing one class with a `send(message)` method.

Messages carry no clinical detail and no patient name: a phone or mailbox may be shared.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Protocol

from django.conf import settings
from django.core.mail import send_mail
from django.utils.module_loading import import_string

logger = logging.getLogger("kclinic.portal.delivery")
_TOKEN_IN_URL = re.compile(r"/r/[^/\s]+/")


@dataclass(frozen=True)
class Message:
    to: str
    subject: str
    body: str


class Sender(Protocol):
    def send(self, message: Message) -> None: ...


class EmailSender:
    def send(self, message: Message) -> None:
        send_mail(
            message.subject,
            message.body,
            settings.DEFAULT_FROM_EMAIL,
            [message.to],
            fail_silently=False,
        )


class LoggingSms:
    """Writes the text message to the log instead of sending it (development and demo).

    In production mode the link's token is masked in the log line, so logs never hold a
    working link."""

    def send(self, message: Message) -> None:
        body = message.body
        if settings.MODE == "production":
            body = _TOKEN_IN_URL.sub("/r/<token>/", body)
        # WARNING, not INFO: the message was not delivered, and the default log level shows it.
        logger.warning("SMS not sent (logging backend) to %s: %s", mask(message.to), body)


def sender(channel: str) -> Sender:
    if channel == "email":
        return EmailSender()
    if channel == "sms":
        backend: type[Sender] = import_string(settings.KCLINIC_SMS_BACKEND)
        return backend()
    raise ValueError(f"no delivery for channel {channel!r}")


def mask(address: str) -> str:
    """Enough of an address for staff to recognise it: r***@example.org, ***1234."""
    address = address.strip()
    if "@" in address:
        local, _, domain = address.partition("@")
        return f"{local[:1]}***@{domain}"
    digits = re.sub(r"\D", "", address)
    return f"***{digits[-4:]}" if digits else "***"
