"""The pydantic base and the field types shared by the agencies directory's files (profiles, plans,
catalogues): frozen models that refuse unknown fields, and what a text, a code and an e-mail are."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import BaseModel, ConfigDict, StringConstraints

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Code = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$")]
Email = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[^@\s]+@[^@\s]+$")]
SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}$")


class FileModel(BaseModel):
    """A model of an admin-edited YAML file: unknown fields are refused (a typo is found), frozen."""

    model_config = ConfigDict(extra="forbid", frozen=True)
