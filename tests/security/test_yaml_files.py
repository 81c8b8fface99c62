"""Configuration files are plain YAML: language tags (!!python/object) and alias bombs (billion laughs)
are refused with a one-line error naming the file, by every loader, and by the CLI with exit 2."""

from __future__ import annotations

import pytest

from crmtool.config.files import ConfigFileError
from crmtool.config.mapping import load_mapping
from crmtool.config.migration import load_migration
from crmtool.config.rules import load_rule_file
from crmtool.config.scan import load_scan_config
from crmtool.exitcodes import ExitCode
from crmtool.model import load_object_model

TAG = 'name: !!python/object/apply:os.system ["echo pwned"]\n'
BOMB = "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
    f"{n}: &{n} [{', '.join([f'*{p}'] * 9)}]\n" for p, n in zip("abcdefgh", "bcdefghi"))
LOADERS = [load_migration, load_mapping, load_rule_file, load_scan_config, load_object_model]


@pytest.mark.parametrize("loader", LOADERS, ids=lambda f: f.__name__)
@pytest.mark.parametrize("text, problem", [(TAG, "without language-specific tags"), (BOMB, "alias bomb")],
                         ids=["python-tag", "billion-laughs"])
def test_every_configuration_loader_refuses_them(tmp_path, loader, text, problem):
    path = tmp_path / "config.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigFileError) as caught:
        loader(path)
    message = str(caught.value)
    assert message.startswith(str(path)) and problem in message and "\n" not in message


def test_a_few_shared_aliases_are_still_fine(tmp_path):
    from crmtool.config.files import load_yaml

    path = tmp_path / "ok.yaml"
    path.write_text("base: &b {x: 1}\none: *b\ntwo: *b\n", encoding="utf-8")
    assert load_yaml(path)[0] == {"base": {"x": 1}, "one": {"x": 1}, "two": {"x": 1}}


@pytest.mark.parametrize("text", [TAG, BOMB], ids=["python-tag", "billion-laughs"])
def test_the_cli_exits_2_with_one_line(cli, tmp_path, text):
    path = tmp_path / "migration.yaml"
    path.write_text(text, encoding="utf-8")
    result = cli("run", path)
    assert result.code == ExitCode.USAGE
    assert result.stderr.strip().count("\n") == 0 and str(path) in result.stderr.replace("\n", "")
