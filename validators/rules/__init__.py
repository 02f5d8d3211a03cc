"""Rule modules, one per concern.  Importing this package registers every rule in the registry."""

from zwgk.validators.rules import (  # noqa: F401
    basis,
    completeness,
    duplicates,
    links,
    required,
    structure,
    ticks,
    time_limit,
    township,
    vocabulary,
)
