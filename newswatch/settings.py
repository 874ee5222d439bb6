"""Process settings from environment variables (validated once, at start-up).

Secrets (the Slack token) are held as SecretStr so they never print by accident.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import AliasChoices, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class SettingsError(Exception):
    """An environment variable newswatch reads has a value it cannot use (one line each)."""

    @classmethod
    def from_validation(cls, error: ValidationError) -> SettingsError:
        lines = []
        for problem in error.errors():
            field = str(problem["loc"][0]) if problem["loc"] else ""
            variable = f"NEWSWATCH_{field.upper()}" if field else "a setting"
            message = problem["msg"].removeprefix("Value error, ")
            lines.append(f"{variable}: {message}")
        return cls("\n".join(lines))


def load_settings() -> Settings:
    """The settings, or SettingsError naming each bad variable (no traceback for a typo)."""
    try:
        return Settings()
    except ValidationError as error:
        raise SettingsError.from_validation(error) from None


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

    @field_validator("database_url")
    @classmethod
    def _a_store_newswatch_runs_on(cls, value: str | None) -> str | None:
        if not value:
            return value
        scheme, sep, rest = value.partition("://")
        if scheme in ("postgresql", "postgres"):  # as providers write it: psycopg 3 is installed
            return f"postgresql+psycopg://{rest}"
        if not sep or scheme not in ("sqlite", "postgresql+psycopg"):
            raise ValueError(
                f"{scheme!r} is not a store newswatch runs on: use sqlite:///path/to/file.db "
                "or postgresql://user@host/database"
            )
        return value

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'newswatch.db').resolve()}"

    @property
    def dry_run_file(self) -> Path:
        """Where alerts go as JSON lines when no Slack token is configured."""
        return self.data_dir / "alerts.jsonl"
