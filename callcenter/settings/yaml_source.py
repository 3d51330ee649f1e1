"""The YAML file as a settings source, below env vars and above defaults."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import yaml
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource

from callcenter.settings.base import ConfigError

DEFAULT_CONFIG_FILE = "callcenter.yaml"


class YamlSource(PydanticBaseSettingsSource):
    """Reads the YAML file named by CALLCENTER_CONFIG (or ./callcenter.yaml if present)."""

    def __init__(self, settings_cls: type[BaseSettings]) -> None:
        super().__init__(settings_cls)
        self.path = os.environ.get("CALLCENTER_CONFIG") or DEFAULT_CONFIG_FILE
        self.data = read_yaml(Path(self.path), required="CALLCENTER_CONFIG" in os.environ)

    def get_field_value(self, field: Any, field_name: str) -> tuple[Any, str, bool]:
        return self.data.get(field_name), field_name, False

    def __call__(self) -> dict[str, Any]:
        return dict(self.data)


def read_yaml(path: Path, required: bool) -> dict[str, Any]:
    """The mapping in the YAML file at ``path``; {} if absent and not ``required``."""
    if not path.exists():
        if required:
            raise ConfigError(f"config file {path} (from CALLCENTER_CONFIG) does not exist")
        return {}
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise ConfigError(f"config file {path} is not valid YAML: {exc}") from None
    if not isinstance(data, dict):
        raise ConfigError(
            f"config file {path} must be a mapping of sections, not {type(data).__name__}"
        )
    return data
