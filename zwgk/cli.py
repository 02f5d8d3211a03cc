"""The `zwgk` command line: a thin shell over library functions (every command is callable without it)."""

from __future__ import annotations

import importlib
import sys

import click

from zwgk import __version__

# Each module defines `command` (a click command); adding a command is adding a line here.
_COMMAND_MODULES = (
    "zwgk.commands.check",
    "zwgk.commands.compile",
    "zwgk.commands.diff",
    "zwgk.commands.template",
    "zwgk.commands.serve",
    "zwgk.commands.site",
    "zwgk.commands.links",
    "zwgk.commands.status",
    "zwgk.commands.pairs",
    "zwgk.commands.audit",
)


class _LazyGroup(click.Group):
    """Subcommands are imported when used: `zwgk check` must not pay at start-up for compile's networkx or
    serve's web stack.  A module's command is named after the module (zwgk.commands.check → check)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(super().list_commands(ctx)) | {m.rsplit(".", 1)[1] for m in _COMMAND_MODULES})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        found = super().get_command(ctx, cmd_name)
        if found is None:
            module = next((m for m in _COMMAND_MODULES if m.rsplit(".", 1)[1] == cmd_name), None)
            if module is not None:
                found = importlib.import_module(module).command
                self.add_command(found, cmd_name)
        return found


@click.group(cls=_LazyGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 110})
@click.version_option(__version__, prog_name="zwgk")
def cli() -> None:
    """zwgk — 政务公开事项标准目录工具：检查、汇编、报告、发布。"""


def main(argv: list[str] | None = None) -> None:
    """Entry point: exit 0 clean, 1 findings with errors, 2 unreadable input or usage; never a traceback."""
    try:
        cli.main(args=argv, prog_name="zwgk", standalone_mode=True)
    except KeyboardInterrupt:
        click.echo("已中断。", err=True)
        sys.exit(2)
    except SystemExit:
        raise
    except MemoryError:
        click.echo("zwgk：内存不足，输入过大。请拆分文件或调低 --jobs。", err=True)
        sys.exit(2)
    except Exception as exc:  # the last line of defence: one sentence, no traceback
        click.echo(f"zwgk：内部错误（{type(exc).__name__}: {str(exc)[:200]}）。请把命令和输入文件报告给维护者。", err=True)
        sys.exit(2)


if __name__ == "__main__":
    main()
