"""The bot on Slack: a slack-bolt AsyncApp whose listeners ack at once and then call the router.

Every slash command goes to `Router.handle`, every button to `Router.press`, `@studybot aws efs`
mentions to `Router.handle`; replies go back ephemerally (response_url, else chat.postEphemeral)
or into the channel (chat.postMessage) as the Reply says. A reply that opens a form opens a modal
(views.open); its `view_submission` goes to `Router.submit`, and a refused field is shown under it.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.authorization import AuthorizeResult
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.middleware.async_middleware import AsyncMiddleware
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.core.models import ChannelRef, Invocation, Lang, Member, Press, Reply, Submission
from bot.core.ports import PlatformRefused
from bot.core.router import Router
from bot.platforms.slack.members import MemberDirectory
from bot.platforms.slack.modals import SubmissionRequest, field_errors, modal_view, parse_submission
from bot.platforms.slack.platform import PLATFORM, SlackPlatform, error_of
from bot.platforms.slack.render import render
from bot.platforms.slack.requests import (
    ActionRequest,
    CommandRequest,
    Incomplete,
    Origin,
    RecentRequests,
    event_key,
    parse_action,
    parse_command,
    parse_mention,
)

log = logging.getLogger(__name__)

PARSED = "studybot_request"  # where the guard leaves the parsed request in bolt's context
ANY = re.compile(r".")
Parsed = CommandRequest | ActionRequest | SubmissionRequest | Incomplete
SUBMIT_WAIT = 2.0  # seconds to wait for the core's verdict on a form: Slack takes the ack for 3 s


def _kind(body: Mapping[str, Any]) -> str:
    """What the guard looks after: command, action, submission, mention; "" for what bolt handles alone."""
    kind = body.get("type")
    if kind == "block_actions":
        return "action"
    if kind == "view_submission":
        return "submission"
    if kind == "event_callback":
        event = body.get("event")
        return "mention" if isinstance(event, Mapping) and event.get("type") == "app_mention" else ""
    if kind is None and ("command" in body or "trigger_id" in body or "user_id" in body):
        return "command"
    return ""


class _Guard(AsyncMiddleware):
    """A middleware object, not a function: bolt builds a function's arguments from the payload
    (`action` = actions[0]) and would fail on the malformed payloads the guard is there to refuse."""

    def __init__(self, guard: Callable[[AsyncBoltRequest, Callable[[], Awaitable[Any]]], Awaitable[Any]]) -> None:
        self._guard = guard

    @property
    def name(self) -> str:
        return "StudybotGuard"

    async def async_process(
        self, *, req: AsyncBoltRequest, resp: BoltResponse, next: Callable[[], Awaitable[Any]]
    ) -> BoltResponse | None:
        return await self._guard(req, next)


def fixed_authorize(token: str | None, me: Mapping[str, str]) -> Callable[[], Awaitable[AuthorizeResult]]:
    """bolt's `authorize`: the one workspace this bot serves, as auth.test told at start (`me`, maybe
    empty when it failed). Without it bolt calls auth.test on every request until one succeeds, and
    answers every command with its own English "reinstall this app" while auth.test fails."""
    result = AuthorizeResult(
        enterprise_id=me.get("enterprise_id") or None,
        team_id=me.get("team_id") or None,
        team=me.get("team") or None,
        bot_user_id=me.get("user_id") or None,
        bot_id=me.get("bot_id") or None,
        bot_token=token,
    )

    async def authorize() -> AuthorizeResult:
        return result

    return authorize


class SlackBot:
    """Wires bolt to the router; `app` is the AsyncApp to serve over HTTP or Socket Mode."""

    def __init__(
        self,
        *,
        router: Router,
        platform: SlackPlatform,
        members: MemberDirectory,
        lang: Lang,
        signing_secret: str = "",
        recent: RecentRequests | None = None,
        identity: Mapping[str, str] | None = None,
    ) -> None:
        self.router = router
        self.platform = platform
        self.members = members
        self.lang = lang
        self.recent = recent or RecentRequests()
        self._tasks: set[asyncio.Task[None]] = set()
        # bolt's own client carries no token (the authorize result does); it opens Socket Mode connections.
        client = AsyncWebClient(base_url=platform.client.base_url, timeout=platform.client.timeout)
        self.app = AsyncApp(
            client=client,
            authorize=fixed_authorize(platform.client.token, identity or {}),
            signing_secret=signing_secret,
            name="studybot",
        )
        self.app.use(_Guard(self._guard))
        self.app.command(ANY)(self._on_command)
        self.app.action({"action_id": ANY})(self._on_action)
        self.app.view(ANY)(self._on_submission)
        self.app.event("app_mention")(self._on_mention)

    # --- background work --------------------------------------------------------------------

    def _spawn(self, work: Awaitable[None], what: str) -> None:
        task = asyncio.create_task(self._logged(work, what))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    @staticmethod
    async def _logged(work: Awaitable[None], what: str) -> None:
        try:
            await work
        except Exception:
            log.exception("slack: %s failed", what)

    async def drain(self, timeout: float | None = None) -> None:
        """Wait until every acknowledged request has been answered (at most `timeout` seconds)."""
        loop = asyncio.get_running_loop()
        deadline = None if timeout is None else loop.time() + timeout
        while self._tasks:
            left = None if deadline is None else deadline - loop.time()
            if left is not None and left <= 0:
                log.warning("slack: %d acknowledged requests were still being answered at shutdown", len(self._tasks))
                return
            await asyncio.wait(set(self._tasks), timeout=left)

    # --- the guard: retries and incomplete payloads -----------------------------------------

    async def _guard(self, req: AsyncBoltRequest, next_: Callable[[], Awaitable[Any]]) -> BoltResponse | None:
        body = req.body
        kind = _kind(body)
        if not kind:
            # Nothing listens for it (views, shortcuts, other events). Acknowledged here: bolt's listener
            # matching fails on some of them (a view_submission without view.type is a 500 inside bolt).
            log.debug("slack: acknowledged a %.40s request nothing here handles", str(body.get("type")))
            return BoltResponse(status=200, body="")
        if self._repeated(kind, body, req.headers):
            log.info("slack: acknowledged a repeated %s without handling it again", kind)
            return BoltResponse(status=200, body="")
        team = req.context.team_id or ""
        parsers = {"command": parse_command, "action": parse_action, "submission": parse_submission}
        parsed: Parsed = parsers.get(kind, parse_mention)(body, team)
        if isinstance(parsed, Incomplete):
            return self._refuse(kind, parsed)
        req.context[PARSED] = parsed
        return await next_()

    def _repeated(self, kind: str, body: Mapping[str, Any], headers: Mapping[str, Any]) -> bool:
        """Slack retries events (same event_id) when an ack is late; commands and clicks it does not
        retry, so one marked as a retry repeats a request that was acknowledged at once."""
        key = event_key(body)
        if kind == "mention" and key is not None:
            return not self.recent.first_time(key)
        return bool(headers.get("x-slack-retry-num"))

    def _refuse(self, kind: str, incomplete: Incomplete) -> BoltResponse:
        missing = ", ".join(incomplete.missing)
        log.warning("slack: a %s arrived without %s; refused", kind, missing)
        text = self.router.t(self.lang, "slack.incomplete", missing=missing)
        if kind == "command":  # the acknowledgement itself is shown to the caller
            return BoltResponse(status=200, body={"response_type": "ephemeral", "text": text})
        origin = incomplete.origin
        if kind in ("action", "submission") and (origin.response_url or (origin.user_id and origin.channel_id)):
            self._spawn(self._private(Reply(body=text, kind="error"), origin), "a refusal")
        return BoltResponse(status=200, body="")

    # --- listeners: ack first, the work after -----------------------------------------------

    async def _on_command(self, ack: AsyncAck, context: AsyncBoltContext) -> None:
        await ack()
        request = context.get(PARSED)
        if isinstance(request, CommandRequest):
            self._spawn(self._command(request), f"/{request.name[:40]}")

    async def _on_mention(self, ack: AsyncAck, context: AsyncBoltContext) -> None:
        await ack()
        request = context.get(PARSED)
        if isinstance(request, CommandRequest):
            self._spawn(self._command(request), f"a mention ({request.name[:40]})")

    async def _on_action(self, ack: AsyncAck, context: AsyncBoltContext) -> None:
        await ack()
        request = context.get(PARSED)
        if isinstance(request, ActionRequest):
            self._spawn(self._action(request), f"a {request.action[:40]!r} click")

    async def _command(self, request: CommandRequest) -> None:
        origin = request.origin
        member = await self.members.member(origin.user_id, origin.user_name)
        invocation = Invocation(self._channel(origin), member, request.name, request.text)
        await self._deliver(await self.router.handle(invocation), origin)

    async def _action(self, request: ActionRequest) -> None:
        """A click reaches the router at once: waiting for users.info (rate-limited, slow) could cost
        a member the first-answer bonus. The cached member, else the payload's name and the config
        admins (no button needs more); users.info refreshes the name meanwhile."""
        origin = request.origin
        member, fresh = self.members.at_once(origin.user_id, origin.user_name)
        refresh = None if fresh else asyncio.ensure_future(self.members.member(origin.user_id, origin.user_name))
        press = Press(self._channel(origin), member, request.action, request.value)
        try:
            reply = await self.router.press(press)
            if reply.form is None:
                await self._deliver(reply, origin)
            elif not (
                request.trigger_id and await self.platform.open_view(request.trigger_id, self._modal(reply, origin))
            ):
                await self._private(Reply(body=reply.form.late or reply.body, kind="error"), origin)
        finally:
            if refresh is not None:
                await self._renamed(origin, member, await refresh)

    @staticmethod
    def _modal(reply: Reply, origin: Origin) -> dict[str, Any]:
        assert reply.form is not None
        return modal_view(reply.form, origin.channel_id, origin.response_url)

    async def _on_submission(self, ack: AsyncAck, context: AsyncBoltContext) -> None:
        """A modal's submission: its ack carries the core's verdict on a refused field (shown under it,
        the modal stays open); otherwise the modal closes and the reply follows privately."""
        request = context.get(PARSED)
        if not isinstance(request, SubmissionRequest):
            await ack()
            return
        origin = request.origin
        member, _ = self.members.at_once(origin.user_id, origin.user_name)
        submission = Submission(self._channel(origin), member, request.action, request.value, request.values)
        work = asyncio.ensure_future(self.router.submit(submission))
        what = f"a {request.action[:40]!r} form"
        try:
            reply = await asyncio.wait_for(asyncio.shield(work), SUBMIT_WAIT)
        except TimeoutError:
            await ack()
            self._spawn(self._deliver_when(work, origin), what)
            return
        if reply.kind == "error" and reply.invalid:
            await ack(response_action="errors", errors=field_errors(reply.invalid, reply.body))
            return
        await ack()
        self._spawn(self._deliver(reply, origin), what)

    async def _deliver_when(self, work: Awaitable[Reply], origin: Origin) -> None:
        await self._deliver(await work, origin)

    async def _renamed(self, origin: Origin, used: Member, known: Member) -> None:
        """Once the click is handled (its name stored with it), so users.info's name is the one kept."""
        if known.name != used.name:
            await self.router.remember(self._channel(origin), known)

    # --- delivery ---------------------------------------------------------------------------

    @staticmethod
    def _channel(origin: Origin) -> ChannelRef:
        return ChannelRef(PLATFORM, origin.team_id, origin.channel_id)

    async def _deliver(self, reply: Reply, origin: Origin) -> None:
        if reply.visibility != "channel":
            await self._private(reply, origin)
            return
        try:
            await self.platform.post(self._channel(origin), reply)
        except (SlackApiError, PlatformRefused) as exc:
            # Most often not_in_channel: a response_url may still post there, else tell the caller.
            error = exc.reason if isinstance(exc, PlatformRefused) else error_of(exc) or "?"
            log.warning("slack: chat.postMessage in %s failed: %s", origin.channel_id, error)
            if origin.response_url and not await self.platform.respond(
                origin.response_url, render(reply), in_channel=True
            ):
                return
            notice = self.router.t(self.lang, "slack.cannot_post", error=str(error)[:60])
            await self._private(Reply(body=notice, kind="error"), origin)

    async def _private(self, reply: Reply, origin: Origin) -> None:
        """Through the response_url; what it did not take goes by chat.postEphemeral, nothing twice."""
        messages = render(reply)
        if origin.response_url:
            messages = await self.platform.respond(origin.response_url, messages)
        if messages:
            await self.platform.send_private_messages(self._channel(origin), origin.user_id, messages)
