"""``vault-tools`` and ``python -m vault_tools``: replay a remembered run, else run the CLI."""

import sys


def main() -> None:
    argv = sys.argv[1:]
    # Before click and the commands load: a warm lint is done sooner than they are loaded.
    from vault_tools.replay import replay

    exit_code = replay(argv)
    if exit_code is not None:
        sys.exit(exit_code)
    from vault_tools.cli import main as run

    run(argv)


if __name__ == "__main__":
    main()
