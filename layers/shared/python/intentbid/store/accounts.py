from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, cast

from pynamodb.exceptions import DoesNotExist
from pynamodb.expressions.update import Action

from intentbid.store.models.accounts import AccountModel, AntiGamingState, antigaming_attr, antigaming_of
from intentbid.store.models.api_keys import ApiKeyModel
from intentbid.store.models.rejections import RejectionModel
from intentbid.store.port import Account, ApiKey, Change
from intentbid.store.tx import transaction


def get(account_id: str) -> AccountModel | None:
    try:
        return AccountModel.get(account_id)
    except DoesNotExist:
        return None


def names(account_ids: Sequence[str]) -> dict[str, str]:
    """id -> name of the accounts that exist: one BatchGetItem per 100 distinct ids (only id and name read)."""
    unique = sorted(set(account_ids))
    if not unique:
        return {}
    return {a.id: a.name for a in AccountModel.batch_get(unique, attributes_to_get=["id", "name"])}


def create_with_key(fields: Mapping[str, Any], key: ApiKey, change: Change) -> AccountModel:
    """One transaction: the account (``fields``, with its id), its first key, and the change's audit entry and
    event."""
    attrs = dict(fields)
    account = AccountModel(attrs.pop("id"), **attrs)
    with transaction(change) as tx:
        tx.save(account, condition=AccountModel.id.does_not_exist())
        tx.save(cast(ApiKeyModel, key), condition=ApiKeyModel.key_hash.does_not_exist())
    return account


def antigaming_state(account: Account, environment: str) -> AntiGamingState | None:
    """The vendor's anti-gaming state in ``environment`` as read (None: never written)."""
    return antigaming_of(cast(AccountModel, account), environment)


def save_antigaming(
    account_id: str,
    environment: str,
    fields: Mapping[str, Any],
    *,
    expected_version: int,
    records: Sequence[Change] = (),
    rejection: RejectionModel | None = None,
) -> None:
    """Write a vendor's anti-gaming state in ``environment`` (with its audit entry and rejections-log entry, when
    given) in one transaction, only if it is still at ``expected_version`` (0: never written); raises
    :class:`~intentbid.store.tx.ConditionFailed` when another write came first (re-read and decide again)."""
    attr = antigaming_attr(environment)
    state = AntiGamingState(**fields)
    state.version = expected_version + 1
    unchanged = attr.version == expected_version if expected_version else attr.does_not_exist()
    with transaction(*records) as tx:
        tx.update(AccountModel(account_id), [attr.set(state)], condition=AccountModel.id.exists() & unchanged)
        if rejection is not None:
            tx.save(rejection, condition=RejectionModel.id.does_not_exist())


def update_notifications(account_id: str, fields: Mapping[str, Any], change: Change) -> AccountModel | None:
    """Set the account's notification fields (``notify_email``, ``email_events``; None removes one: back to its
    default) with the change's audit entry, in one transaction; the account as it now is, None when it is gone."""
    m = AccountModel
    actions: list[Action] = [m.updated_at.set(change.at)]
    for name, value in fields.items():
        attr = getattr(m, name)
        actions.append(attr.remove() if value is None else attr.set(value))
    with transaction(change) as tx:
        tx.update(AccountModel(account_id), actions, condition=m.id.exists())
    return AccountModel.get(account_id, consistent_read=True)


NOTIFY_ATTRIBUTES = ["id", "kind", "name", "email", "status", "notify_email", "email_events"]


def notification_settings(account_ids: Sequence[str]) -> list[AccountModel]:
    """The accounts that exist among ``account_ids`` with their notification fields only (one BatchGetItem per
    100 distinct ids): the email channel's read per event."""
    unique = sorted(set(account_ids))
    if not unique:
        return []
    return list(AccountModel.batch_get(unique, attributes_to_get=NOTIFY_ATTRIBUTES))
