"""Settings, read once from environment variables (each documented in docs/operations.md)."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_DATABASE_URL = "sqlite:///var/conference.db"


def _secret_key(var_dir: Path) -> str:
    """A stable secret for development: made once and kept in var/, never committed."""
    path = var_dir / "secret_key"
    if path.exists():
        return path.read_text().strip()
    var_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    path.write_text(key)
    path.chmod(0o600)
    return key


def _flag(value: str) -> bool | None:
    """A yes/no setting; empty means "decide from the other settings"."""
    if not value.strip():
        return None
    return value.strip().lower() in ("1", "true", "yes", "on")


@dataclass(frozen=True)
class Settings:
    """Everything the server needs to know about its deployment."""

    database_url: str = DEFAULT_DATABASE_URL
    secret_key: str = field(default="", repr=False)
    site_url: str = "http://127.0.0.1:8000"
    smtp_host: str = ""
    smtp_port: int = 587
    smtp_user: str = ""
    smtp_password: str = field(default="", repr=False)
    smtp_from: str = "conference@localhost"
    smtp_starttls: bool = True
    bus_url: str = "memory://"
    ice_servers: str = ""
    turn_secret: str = field(default="", repr=False)
    sign_in_minutes: int = 15
    secure_cookies: bool = False
    log_level: str = "INFO"
    # None: on when the site URL is a loopback address (a developer's machine, the tests).
    media_loopback: bool | None = None
    media_fast_send: bool = True
    media_recovery: bool = True
    media_video_fast_send: bool = True
    # Mail-sending forms (sign-in, registration), in the ``limits`` notation.
    rate_limit_address: str = "3/minute;10/hour"
    rate_limit_ip: str = "30/minute;300/hour"
    rate_limit_storage: str = "memory://"
    # The HTTP server's defences (conference/serving.py).
    header_timeout: float = 10.0
    keep_alive_timeout: int = 5
    max_connections_per_ip: int = 64
    trusted_proxies: str = "127.0.0.1,::1"
    metrics_token: str = field(default="", repr=False)
    # The currency of the support budgets and grants (an ISO 4217 code).
    currency: str = "EUR"
    # Scale-out (docs/operations.md, "Several nodes"): empty when this is the only process.
    node_id: str = ""
    public_url: str = ""
    # The relay between nodes (origin and edges): its UDP socket, and the listen-only seats a
    # node holds of one session before the session spreads over edges (0: never).
    relay_host: str = ""
    relay_port: int = 0
    node_listeners: int = 0
    # Automatic captions' model: a directory or a faster-whisper size ("": none; rooms.autocaptions.model).
    captions_model: str = ""
    captions_model_sha256: str = (
        ""  # what the directory's model.bin must hash to ("": Whisper base's)
    )

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None, **overrides: object) -> Settings:
        env = os.environ if environ is None else environ
        var_dir = Path(env.get("CONFERENCE_VAR_DIR", "var"))

        def get(name: str, default: str) -> str:
            return env.get(f"CONFERENCE_{name}", default)

        site_url = get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
        bus_url = get("BUS_URL", "memory://")
        values: dict[str, object] = {
            "database_url": get("DATABASE_URL", f"sqlite:///{var_dir / 'conference.db'}"),
            "secret_key": get("SECRET_KEY", "") or _secret_key(var_dir),
            "site_url": site_url,
            "smtp_host": get("SMTP_HOST", ""),
            "smtp_port": int(get("SMTP_PORT", "587")),
            "smtp_user": get("SMTP_USER", ""),
            "smtp_password": get("SMTP_PASSWORD", ""),
            "smtp_from": get("SMTP_FROM", "conference@localhost"),
            "smtp_starttls": get("SMTP_STARTTLS", "1") not in ("0", "false", "no"),
            "bus_url": bus_url,
            "ice_servers": get("ICE_SERVERS", ""),
            "turn_secret": get("TURN_SECRET", ""),
            "sign_in_minutes": int(get("SIGN_IN_MINUTES", "15")),
            "secure_cookies": get("SECURE_COOKIES", "1" if site_url.startswith("https:") else "0")
            in ("1", "true", "yes"),
            "log_level": get("LOG_LEVEL", "INFO").upper(),
            "media_loopback": _flag(get("MEDIA_LOOPBACK", "")),
            "media_fast_send": _flag(get("MEDIA_FAST_SEND", "")) is not False,
            "media_recovery": _flag(get("MEDIA_RECOVERY", "")) is not False,
            "media_video_fast_send": _flag(get("MEDIA_VIDEO_FAST_SEND", "")) is not False,
            "header_timeout": float(get("HEADER_TIMEOUT", "10")),
            "keep_alive_timeout": int(get("KEEP_ALIVE_TIMEOUT", "5")),
            "max_connections_per_ip": int(get("MAX_CONNECTIONS_PER_IP", "64")),
            "trusted_proxies": get("TRUSTED_PROXIES", "127.0.0.1,::1"),
            "rate_limit_address": get("RATE_LIMIT_ADDRESS", "3/minute;10/hour"),
            "rate_limit_ip": get("RATE_LIMIT_IP", "30/minute;300/hour"),
            # Several processes share one Redis bus, so they count in the same Redis.
            "rate_limit_storage": get("RATE_LIMIT_URL", "")
            or (bus_url if bus_url.startswith("redis") else "memory://"),
            "metrics_token": get("METRICS_TOKEN", ""),
            "currency": get("CURRENCY", "EUR").strip().upper() or "EUR",
            "node_id": get("NODE_ID", "").strip(),
            "public_url": get("PUBLIC_URL", "").strip().rstrip("/"),
            "relay_host": get("RELAY_HOST", "").strip(),
            "relay_port": int(get("RELAY_PORT", "0")),
            "node_listeners": int(get("NODE_LISTENERS", "0")),
            "captions_model": get("CAPTIONS_MODEL", "").strip(),
            "captions_model_sha256": get("CAPTIONS_MODEL_SHA256", "").strip().lower(),
        }
        values.update(overrides)
        return cls(**values)  # type: ignore[arg-type]

    @property
    def loopback_media(self) -> bool:
        """Whether the media server offers a 127.0.0.1 candidate (CONFERENCE_MEDIA_LOOPBACK)."""
        if self.media_loopback is not None:
            return self.media_loopback
        host = self.site_origin.split("://", 1)[-1].rsplit(":", 1)[0]
        return host in ("127.0.0.1", "localhost", "[::1]")

    @property
    def redis_bus(self) -> bool:
        return self.bus_url.startswith(("redis:", "rediss:", "unix:"))

    @property
    def site_origin(self) -> str:
        """The Origin browsers send for this site (scheme://host[:port])."""
        scheme, _, rest = self.site_url.partition("://")
        return f"{scheme}://{rest.split('/', 1)[0]}"
