"""Settings from config/default.toml, an optional --config file over it, and the environment."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from bot.core.daily import Scoring
from bot.core.models import ChannelSettings, Lang
from bot.core.settings import (
    SettingError,
    parse_day,
    parse_days,
    parse_exam,
    parse_language,
    parse_time,
    parse_timezone,
)

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def shipped(name: str) -> Path:
    """`content` or `config` as installed: inside the wheel (bot/_data), else the project's own folder."""
    packaged = Path(__file__).resolve().parent / "_data" / name
    return packaged if packaged.is_dir() else PROJECT_ROOT / name


DEFAULT_CONFIG = shipped("config") / "default.toml"
DEFAULT_CONTENT = shipped("content")


class ConfigError(Exception):
    pass


@dataclass(frozen=True)
class Settings:
    db_path: str
    synchronous: str
    content_path: Path
    scoring: Scoring
    refresh_seconds: float
    grace_minutes: int
    reconcile_seconds: float
    settings_refresh_seconds: float
    sends_per_second: float
    lease_seconds: float
    send_burst: int
    channel_defaults: ChannelSettings
    console_user: str
    console_language: Lang
    slack: dict[str, Any] = field(default_factory=dict)
    discord: dict[str, Any] = field(default_factory=dict)
    secrets: dict[str, str] = field(default_factory=dict, repr=False)  # tokens, from the environment only

    def channel_template(self, platform: str, team_id: str, channel_id: str) -> ChannelSettings:
        return replace(self.channel_defaults, platform=platform, team_id=team_id, channel_id=channel_id)


SECRET_VARIABLES = (
    "SLACK_BOT_TOKEN",
    "SLACK_APP_TOKEN",
    "SLACK_SIGNING_SECRET",
    "DISCORD_TOKEN",
)


# Non-secret settings the environment may override: (config table, key) -> variable.
ENV_OVERRIDES = {
    ("discord", "api_url"): "DISCORD_API_URL",
    ("discord", "gateway_url"): "DISCORD_GATEWAY_URL",
    ("discord", "client_id"): "DISCORD_CLIENT_ID",
}


def _env_overrides(raw: dict[str, Any], env: dict[str, str]) -> dict[str, Any]:
    for (table, key), variable in ENV_OVERRIDES.items():
        if env.get(variable):
            raw = _merge(raw, {table: {key: env[variable]}})
    return raw


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        raise ConfigError(f"config file not found: {path}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"config file {path} is not valid TOML: {exc}") from None


def _channel_defaults(raw: dict[str, Any]) -> ChannelSettings:
    try:
        return ChannelSettings(
            platform="",
            team_id="",
            channel_id="",
            timezone=parse_timezone(str(raw["timezone"])),
            post_time=parse_time(str(raw["post_time"])),
            close_time=parse_time(str(raw["close_time"])),
            days=parse_days(str(raw["days"])),
            board_day=parse_day(str(raw["board_day"])),
            board_time=parse_time(str(raw["board_time"])),
            language=parse_language(str(raw["language"])),
            exam=parse_exam(str(raw["exam"])),
        )
    except KeyError as exc:
        raise ConfigError(f"[channel_defaults] is missing {exc}") from None
    except SettingError as exc:
        raise ConfigError(f"[channel_defaults] has a bad value: {exc.value!r} ({exc.key})") from None


def _slack(raw: dict[str, Any], env: dict[str, str]) -> dict[str, Any]:
    """`[slack]`, with SLACK_API_URL from the environment over `api_url` (a proxy or a local server)."""
    slack = dict(raw)
    if env.get("SLACK_API_URL"):
        slack["api_url"] = env["SLACK_API_URL"]
    if not isinstance(slack.get("admins", []), list):
        raise ConfigError('[slack] admins must be a list of user ids, e.g. admins = ["U0123ABCD"]')
    return slack


def _language(value: object, where: str) -> Lang:
    try:
        return parse_language(str(value))
    except SettingError:
        raise ConfigError(f"{where} is {value!r}: use ko or en") from None


def _at_least(section: dict[str, Any], key: str, low: float) -> float:
    value = float(section[key])
    if value < low:
        raise ConfigError(f"[schedule] {key} is {section[key]!r}: use a number of at least {low:g}")
    return value


def load_settings(
    config_path: str | Path | None = None, env: dict[str, str] | None = None, db_path: str | None = None
) -> Settings:
    env = dict(os.environ if env is None else env)
    raw = _read_toml(DEFAULT_CONFIG)
    if config_path:
        raw = _merge(raw, _read_toml(Path(config_path)))
    raw = _env_overrides(raw, env)
    try:
        content = str(raw["content"]["path"]) or str(DEFAULT_CONTENT)
        scoring = raw["scoring"]
        return Settings(
            db_path=db_path or env.get("STUDYBOT_DB") or str(raw["database"]["path"]),
            synchronous=str(raw["database"]["synchronous"]),
            content_path=Path(content),
            scoring=Scoring(int(scoring["correct"]), tuple(int(b) for b in scoring["first_correct_bonus"])),
            refresh_seconds=float(raw["posts"]["refresh_seconds"]),
            grace_minutes=int(raw["schedule"]["grace_minutes"]),
            reconcile_seconds=float(raw["schedule"]["reconcile_seconds"]),
            settings_refresh_seconds=float(raw["schedule"]["settings_refresh_seconds"]),
            sends_per_second=_at_least(raw["schedule"], "sends_per_second", 0.0),
            send_burst=int(_at_least(raw["schedule"], "send_burst", 1)),
            lease_seconds=float(raw["schedule"]["lease_seconds"]),
            channel_defaults=_channel_defaults(raw["channel_defaults"]),
            console_user=str(raw["console"]["user"]),
            console_language=_language(raw["console"]["language"], "[console] language"),
            slack=_slack(raw.get("slack", {}), env),
            discord=dict(raw.get("discord", {})),
            secrets={k: env[k] for k in SECRET_VARIABLES if env.get(k)},
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise ConfigError(f"config is missing or has a bad value: {exc}") from None
