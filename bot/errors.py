"""The one exception type the core raises for a source it cannot digest, with a short reason code."""

from __future__ import annotations


class DigestError(Exception):
    """A source could not be digested. `reason` is a stable code, `str(error)` a clear sentence for people.

    Reason codes: blocked_address, bad_url, unreachable, dns, tls, timeout, http_status, not_html,
    too_large, too_many_redirects, decode, empty, javascript_only, paywall, bot_wall, extraction_timeout, unreadable
    (a saved file), internal (an unexpected error, logged with its traceback: bot/pipeline/digest.py), ignored (a
    Slack link to a site DIGESTBOT_IGNORE_DOMAINS lists, never fetched: handlers/bot.py);
    for links that are not HTML articles (bot/pipeline/kinds.py): not_pdf, not_json, not_text, not_oembed, encrypted,
    pdf_unreadable.

    `retry_after` marks a passing failure (a busy site's 503 or 429, a timeout, a connection that failed): the
    seconds after which trying again may succeed. None says something lasting about the source.
    """

    def __init__(self, reason: str, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.reason = reason
        self.retry_after = retry_after
