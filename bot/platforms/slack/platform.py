"""The Slack Web API side: the client (base URL, rate-limit retries) and the ChatPlatform over it.

Sends that may be repeated carry message metadata with their outbox key; before a send whose outcome
is unknown is repeated, `find` looks for that key among the channel's (or the thread's) recent
messages (conversations.history / conversations.replies with include_all_metadata).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler, async_default_handlers
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from bot.core.models import ChannelRef, MessageRef, Reply
from bot.core.ports import PlatformRefused
from bot.platforms.slack.render import SlackMessage, render, render_one

log = logging.getLogger(__name__)

PLATFORM = "slack"
DEFAULT_API_URL = "https://slack.com/api/"
RATE_LIMIT_RETRIES = 3
METADATA_EVENT = "studybot_send"  # the metadata event type a keyed message carries
FIND_LIMIT = 100
# Slack's answers that no retry can change.
REFUSALS = {
    "not_in_channel": "not_in_channel",
    "channel_not_found": "channel_not_found",
    "is_archived": "channel_not_found",
    "restricted_action": "no_permission",
    "missing_scope": "no_permission",
    "not_allowed_token_type": "no_permission",
    "ekm_access_denied": "no_permission",
}


def api_url(configured: object) -> str:
    """The Web API base URL (config `[slack] api_url` or SLACK_API_URL), ending in '/' as slack-sdk needs."""
    url = str(configured or "").strip() or DEFAULT_API_URL
    return url if url.endswith("/") else url + "/"


def make_client(token: str, base_url: str, timeout: int = 30) -> AsyncWebClient:
    """A Web API client that waits out 429s (Retry-After) besides the default connection retries."""
    client = AsyncWebClient(token=token, base_url=base_url, timeout=timeout)
    client.retry_handlers.append(AsyncRateLimitErrorRetryHandler(max_retry_count=RATE_LIMIT_RETRIES))
    return client


def make_webhook(url: str) -> AsyncWebhookClient:
    handlers = [*async_default_handlers(), AsyncRateLimitErrorRetryHandler(max_retry_count=RATE_LIMIT_RETRIES)]
    return AsyncWebhookClient(url=url, retry_handlers=handlers)


def error_of(exc: SlackApiError) -> str:
    return str(exc.response.get("error", "")) if exc.response is not None else ""


def refused(exc: SlackApiError) -> PlatformRefused | None:
    reason = REFUSALS.get(error_of(exc))
    return PlatformRefused(reason, error_of(exc)) if reason else None


class SlackPlatform:
    """ChatPlatform on Slack: post = chat.postMessage, edit = chat.update, private = chat.postEphemeral."""

    def __init__(self, client: AsyncWebClient) -> None:
        self.client = client

    async def _post_message(
        self, channel_id: str, message: SlackMessage, thread_ts: str | None = None, key: str | None = None
    ) -> str:
        extra: dict[str, Any] = {}
        if key is not None:
            extra["metadata"] = {"event_type": METADATA_EVENT, "event_payload": {"key": key}}
        try:
            response = await self.client.chat_postMessage(
                channel=channel_id,
                text=message.text,
                blocks=list(message.blocks),
                thread_ts=thread_ts,
                unfurl_links=False,
                unfurl_media=False,
                **extra,
            )
        except SlackApiError as exc:
            refusal = refused(exc)
            if refusal is not None:
                raise refusal from exc
            raise
        return str(response["ts"])

    async def _post_thread(self, channel_id: str, thread_ts: str, replies: tuple[Reply, ...]) -> None:
        for follow_up in replies:
            for message in render(follow_up):
                await self._post_message(channel_id, message, thread_ts)

    async def post(self, channel: ChannelRef, reply: Reply, *, key: str | None = None) -> MessageRef:
        first, *rest = render(reply)
        ts = await self._post_message(channel.channel_id, first, key=key)
        for message in rest:
            await self._post_message(channel.channel_id, message, ts)
        await self._post_thread(channel.channel_id, ts, reply.thread)
        return MessageRef(channel, ts)

    async def post_in_thread(self, parent: MessageRef, reply: Reply, *, key: str) -> MessageRef:
        first, *rest = render(reply)
        ts = await self._post_message(parent.channel.channel_id, first, parent.message_id, key=key)
        for message in rest:
            await self._post_message(parent.channel.channel_id, message, parent.message_id)
        return MessageRef(parent.channel, ts)

    async def edit(self, message: MessageRef, reply: Reply) -> None:
        rendered = render_one(reply)
        try:
            await self.client.chat_update(
                channel=message.channel.channel_id,
                ts=message.message_id,
                text=rendered.text,
                blocks=list(rendered.blocks),
            )
        except SlackApiError as exc:
            refusal = refused(exc)
            if refusal is not None:
                raise refusal from exc
            raise
        await self._post_thread(message.channel.channel_id, message.message_id, reply.thread)

    async def find(
        self, channel: ChannelRef, key: str, reply: Reply, *, parent: MessageRef | None = None
    ) -> str | None:
        try:
            if parent is None:
                response = await self.client.conversations_history(
                    channel=channel.channel_id, limit=FIND_LIMIT, include_all_metadata=True
                )
            else:
                response = await self.client.conversations_replies(
                    channel=channel.channel_id, ts=parent.message_id, limit=FIND_LIMIT, include_all_metadata=True
                )
        except SlackApiError as exc:
            refusal = refused(exc)
            if refusal is not None:
                raise refusal from exc
            raise
        for message in response.get("messages") or []:
            metadata = message.get("metadata") or {}
            payload = metadata.get("event_payload") or {}
            if metadata.get("event_type") == METADATA_EVENT and payload.get("key") == key:
                return str(message.get("ts"))
        return None

    async def can_post(self, channel: ChannelRef) -> str | None:
        """conversations.info: the bot must be a member to post and to find its own messages again."""
        try:
            response = await self.client.conversations_info(channel=channel.channel_id)
        except SlackApiError as exc:
            error = error_of(exc)
            if error in REFUSALS:
                return REFUSALS[error]
            log.warning(
                "slack: conversations.info for %s failed (%s); assuming the bot can post", channel.channel_id, error
            )
            return None
        info = response.get("channel") or {}
        if info.get("is_im") or info.get("is_mpim"):
            return None
        if info.get("is_archived"):
            return "channel_not_found"
        return None if info.get("is_member", True) else "not_in_channel"

    async def send_private(self, channel: ChannelRef, user_id: str, reply: Reply) -> None:
        await self.send_private_messages(channel, user_id, render(reply))

    async def send_private_messages(self, channel: ChannelRef, user_id: str, messages: Sequence[SlackMessage]) -> None:
        for message in messages:
            await self.client.chat_postEphemeral(
                channel=channel.channel_id, user=user_id, text=message.text, blocks=list(message.blocks)
            )

    async def open_view(self, trigger_id: str, view: dict[str, Any]) -> bool:
        """views.open: a modal for the member whose click carried `trigger_id` (valid three seconds)."""
        try:
            await self.client.views_open(trigger_id=trigger_id, view=view)
        except SlackApiError as exc:
            log.warning("slack: views.open failed: %s", error_of(exc) or "?")
            return False
        return True

    async def respond(
        self, response_url: str, messages: Sequence[SlackMessage], *, in_channel: bool = False
    ) -> list[SlackMessage]:
        """Answer through an interaction's response_url; returns the messages Slack did not take, in order."""
        webhook = make_webhook(response_url)
        for index, message in enumerate(messages):
            try:
                response = await webhook.send(
                    text=message.text,
                    blocks=list(message.blocks),
                    response_type="in_channel" if in_channel else "ephemeral",
                    replace_original=False,
                )
            except Exception as exc:  # a dead response_url must not lose the answer: the caller sends the rest
                log.warning("slack: response_url failed: %s", type(exc).__name__)
                return list(messages[index:])
            if not 200 <= response.status_code < 300:
                log.warning("slack: response_url answered %s: %s", response.status_code, response.body[:200])
                return list(messages[index:])
        return []
