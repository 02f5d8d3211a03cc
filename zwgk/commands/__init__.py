"""One module per `zwgk` subcommand; each exposes `command`."""
