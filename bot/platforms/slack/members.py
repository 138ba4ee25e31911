"""Who is acting: display names and admin rights from users.info, cached."""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import aiohttp
from slack_sdk.errors import SlackClientError
from slack_sdk.web.async_client import AsyncWebClient

from bot.core.models import Member

log = logging.getLogger(__name__)

CACHE_SECONDS = 600.0  # a rename or a change of admin rights shows within ten minutes
CACHE_SIZE = 5000


def display_name(user: Mapping[str, Any], fallback: str) -> str:
    """What Slack shows for a member: display name, else real name, else the handle."""
    profile = user.get("profile") or {}
    for candidate in (
        profile.get("display_name"),
        profile.get("real_name"),
        user.get("real_name"),
        user.get("name"),
        fallback,
    ):
        if isinstance(candidate, str) and candidate.strip():
            return candidate.strip()
    return str(user.get("id") or fallback)


def is_workspace_admin(user: Mapping[str, Any]) -> bool:
    return any(user.get(flag) is True for flag in ("is_admin", "is_owner", "is_primary_owner"))


class MemberDirectory:
    """users.info with a bounded, time-limited cache; config `[slack] admins` are admins too."""

    def __init__(
        self,
        client: AsyncWebClient,
        admins: Iterable[str] = (),
        *,
        ttl: float = CACHE_SECONDS,
        now: Callable[[], float] = time.monotonic,
    ) -> None:
        self.client = client
        self.admins = frozenset(str(a) for a in admins)
        self.ttl = ttl
        self.now = now
        self._cache: OrderedDict[str, tuple[float, Member]] = OrderedDict()

    def at_once(self, user_id: str, fallback_name: str = "") -> tuple[Member, bool]:
        """Without asking Slack: the cached member, else the payload's name with the config admin
        flag; and whether that is fresh (no users.info needed)."""
        cached = self._cache.get(user_id)
        if cached is not None:
            return cached[1], self.now() - cached[0] < self.ttl
        return Member(user_id, fallback_name or user_id, user_id in self.admins), False

    async def member(self, user_id: str, fallback_name: str = "") -> Member:
        cached = self._cache.get(user_id)
        if cached is not None and self.now() - cached[0] < self.ttl:
            return cached[1]
        try:
            response = await self.client.users_info(user=user_id)
            user = response.get("user") or {}
        except (TimeoutError, SlackClientError, aiohttp.ClientError) as exc:
            # Not cached: the next action asks again. Without users.info only config admins are admins.
            log.warning("users.info failed for %s: %s", user_id, exc)
            return Member(user_id, fallback_name or user_id, user_id in self.admins)
        member = Member(
            user_id,
            display_name(user, fallback_name or user_id),
            user_id in self.admins or is_workspace_admin(user),
        )
        self._remember(user_id, member)
        return member

    def _remember(self, user_id: str, member: Member) -> None:
        self._cache[user_id] = (self.now(), member)
        self._cache.move_to_end(user_id)
        while len(self._cache) > CACHE_SIZE:
            self._cache.popitem(last=False)
