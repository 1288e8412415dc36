"""The home page's panels, contributed by the domains.

The home page lives in ``web`` (the shell), which may not import the domains
above it. Each domain instead registers a panel provider on the app; the home
view asks every provider, in order, for a panel to show to this user now.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask import Flask

EXTENSION_KEY = "studyhub.home_panels"


@dataclass(frozen=True)
class HomePanel:
    """A template under ``templates/`` and the values it needs."""

    template: str
    context: dict[str, Any] = field(default_factory=dict)


PanelProvider = Callable[[Any, datetime], HomePanel | None]


def register_home_panel(app: Flask, order: int, provider: PanelProvider) -> None:
    """Show ``provider``'s panel on the home page; lower ``order`` comes first."""
    providers: list[tuple[int, PanelProvider]] = app.extensions.setdefault(EXTENSION_KEY, [])
    providers.append((order, provider))
    providers.sort(key=lambda item: item[0])


def home_panels(app: Flask, user: Any, now: datetime) -> list[HomePanel]:
    panels = []
    for _order, provider in app.extensions.get(EXTENSION_KEY, []):
        panel = provider(user, now)
        if panel is not None:
            panels.append(panel)
    return panels
