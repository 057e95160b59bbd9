from pathlib import Path

import pytest

from dedup.config import Config, ScoreConfig, config_from_mapping, load_config
from dedup.errors import ConfigError


def test_defaults_build() -> None:
    cfg = Config()
    assert cfg.fingerprint.num_perm == 128
    assert cfg.to_dict()["score"]["rewrite_coverage"] == cfg.score.rewrite_coverage


def test_out_of_range_message_names_key_and_value() -> None:
    with pytest.raises(ConfigError, match=r"'rewrite_coverage' parameter of \[score\] must be"):
        Config(score=ScoreConfig(rewrite_coverage=1.5))


def test_unknown_key_is_an_error() -> None:
    with pytest.raises(ConfigError, match="Unknown key 'bogus' in \\[score\\]"):
        config_from_mapping({"score": {"bogus": 1}})


def test_wrong_type_is_an_error() -> None:
    with pytest.raises(ConfigError, match="must be of type int"):
        config_from_mapping({"fingerprint": {"num_perm": "many"}})


def test_int_accepted_for_float() -> None:
    cfg = config_from_mapping({"candidates": {"window_days": 3}})
    assert cfg.candidates.window_days == 3.0


def test_load_toml(tmp_path: Path) -> None:
    p = tmp_path / "c.toml"
    p.write_text("[input]\ntext_col = 'body'\n[state]\npath = 'x.db'\n")
    assert load_config(p).input.text_col == "body"


def test_bad_toml_names_file(tmp_path: Path) -> None:
    p = tmp_path / "bad.toml"
    p.write_text("[input\n")
    with pytest.raises(ConfigError, match=r"bad\.toml: not valid TOML"):
        load_config(p)


def test_missing_config_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="config file not found"):
        load_config(tmp_path / "nope.toml")
