from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pynamodb.exceptions import DoesNotExist
from pynamodb.expressions.update import Action
from pynamodb.models import Model

from intentbid.store.models.accounts import AccountModel
from intentbid.store.models.api_keys import ApiKeyModel
from intentbid.store.tx import transaction


def get(account_id: str) -> AccountModel | None:
    try:
        return AccountModel.get(account_id)
    except DoesNotExist:
        return None


def create_with_key(account: AccountModel, key: ApiKeyModel, *records: Model) -> None:
    """One transaction: the account, its first key, and the audit entry and ``key.created`` event."""
    with transaction(*records) as tx:
        tx.save(account, condition=AccountModel.id.does_not_exist())
        tx.save(key, condition=ApiKeyModel.key_hash.does_not_exist())


def save_cooldown(
    account: AccountModel,
    *,
    strikes: int,
    last_strike_at: Any,
    cooldown_until: Any,
    recent_violations: list[int],
    reason: str | None,
    records: Sequence[Model] = (),
) -> None:
    """Write a vendor's anti-gaming state (with its audit entry, when given) in one transaction."""
    actions: list[Action] = [
        AccountModel.strikes.set(strikes),
        AccountModel.recent_violations.set(recent_violations),  # type: ignore[arg-type]
    ]
    for attr, value in (
        (AccountModel.last_strike_at, last_strike_at),
        (AccountModel.cooldown_until, cooldown_until),
        (AccountModel.cooldown_reason, reason),
    ):
        actions.append(attr.set(value) if value is not None else attr.remove())  # type: ignore[attr-defined,arg-type]
    with transaction(*records) as tx:
        tx.update(account, actions, condition=AccountModel.id.exists())
