from __future__ import annotations

from pynamodb.exceptions import DoesNotExist
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
