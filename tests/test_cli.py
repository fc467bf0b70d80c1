"""The command line, run in-process through ``astrozoo.cli.main``."""

import logging
import subprocess
import sys

import pytest

from astrozoo import cli
from astrozoo.problems import all_problems


def test_help_lists_every_command_and_exits_cleanly(capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    for command in ("list", "fit", "report", "demo", "data", "--quiet"):
        assert command in out


def test_list_prints_every_problem(capsys):
    assert cli.main(["list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    names = [line.split()[0] for line in lines]
    assert names == [p.name for p in all_problems()]


@pytest.mark.parametrize("argv", [["--quiet", "list"], ["-q", "list"]])
def test_quiet_is_accepted_and_raises_the_log_level(argv, capsys):
    assert cli.main(argv) == 0
    assert logging.getLogger("astrozoo").level == logging.WARNING
    assert cli.main(["list"]) == 0
    assert logging.getLogger("astrozoo").level == logging.INFO


def test_quiet_after_the_command_turns_progress_off():
    args = cli.parser().parse_args(["fit", "line", "--quiet"])
    assert args.quiet and cli._progress(args) is False
    args = cli.parser().parse_args(["fit", "line"])
    assert not args.quiet and cli._progress(args) is None


def test_unknown_problem_is_an_error_naming_it(capsys):
    assert cli.main(["fit", "no-such-problem"]) == 2
    assert "no-such-problem" in capsys.readouterr().err


def test_help_imports_neither_jax_nor_arviz():
    code = "import sys, astrozoo.cli as c; c.parser().format_help(); print(sorted({'jax', 'arviz', 'astropy'} & set(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
