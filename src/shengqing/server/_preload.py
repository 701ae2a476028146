"""Imported by the workers' fork server (:mod:`.workers`): loads the frontend's dictionaries once, before
any worker is forked, so no worker — first or replacement — spends its start-up loading them."""

from __future__ import annotations

from ..frontend import preload

preload()
