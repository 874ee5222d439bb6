"""Process settings from environment variables (validated once, at start-up).

Secrets (the Slack token) are held as SecretStr so they never print by accident.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="NEWSWATCH_", extra="ignore")

    slack_bot_token: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("SLACK_BOT_TOKEN", "NEWSWATCH_SLACK_BOT_TOKEN")
    )
    # feedback (#12): the app-level token (connections:write) for the Socket Mode listener
    slack_app_token: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("SLACK_APP_TOKEN", "NEWSWATCH_SLACK_APP_TOKEN")
    )
    slack_channel: str | None = None  # overrides alerts.channel of sources.yaml
    slack_api_url: str | None = None  # e.g. a proxy, or a Slack stand-in in tests
    database_url: str | None = None  # default: SQLite file in data_dir
    data_dir: Path = Path("data")
    sources: Path = Path("sources.yaml")
    prefect_port: int = 4200  # where `newswatch serve` starts the local Prefect server and UI

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'newswatch.db').resolve()}"

    @property
    def dry_run_file(self) -> Path:
        """Where alerts go as JSON lines when no Slack token is configured."""
        return self.data_dir / "alerts.jsonl"
