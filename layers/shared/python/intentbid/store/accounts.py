from __future__ import annotations

from pynamodb.exceptions import DoesNotExist

from intentbid.store.models.accounts import AccountModel
from intentbid.store.models.api_keys import ApiKeyModel
from intentbid.store.models.outbox import OutboxModel
from intentbid.store.tx import transaction


def get(account_id: str) -> AccountModel | None:
    try:
        return AccountModel.get(account_id)
    except DoesNotExist:
        return None


def create_with_key(account: AccountModel, key: ApiKeyModel, event: OutboxModel) -> None:
    """One transaction: the account, its first key and the ``key.created`` event."""
    with transaction() as tx:
        tx.save(account, condition=AccountModel.id.does_not_exist())
        tx.save(key, condition=ApiKeyModel.key_hash.does_not_exist())
        tx.save(event)
