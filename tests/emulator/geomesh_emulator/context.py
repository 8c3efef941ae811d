"""Per-request context handed to action handlers (``ctx``)."""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING, Any

from .errors import ApiError
from .store import Store, StoreView

if TYPE_CHECKING:  # pragma: no cover
    from .server import Emulator


class Context:
    def __init__(
        self,
        emulator: "Emulator",
        view: StoreView,
        product: str,
        version: str,
        action: str,
        params: dict[str, Any],
        request_id: str,
        account_id: str,
        access_key_id: str,
        region: str | None,
    ) -> None:
        self.emulator = emulator
        self.store = view
        self.product = product
        self.version = version
        self.action = action
        self.params = params
        self.request_id = request_id
        self.account_id = account_id
        self.access_key_id = access_key_id
        self.region = region
        self._token_key: str | None = None
        self._token_value: str | None = None

    # -- clock --------------------------------------------------------------------------------
    def now(self) -> float:
        return self.emulator.clock.now()

    def delay(self, name: str, default: float | None = None) -> float:
        return self.emulator.clock.delay(name, default)

    # -- ids ----------------------------------------------------------------------------------
    @staticmethod
    def new_id(prefix: str) -> str:
        return f"{prefix}-{secrets.token_hex(8)}"

    @property
    def raw_store(self) -> Store:
        return self.emulator.store

    # -- idempotency --------------------------------------------------------------------------
    def _hash_params(self, p: dict[str, Any]) -> str:
        return Store.params_hash(p)

    def client_token(self, p: dict[str, Any], key: str = "ClientToken") -> Any:
        """Stored response if this token was already used for this action, else None.

        Same token with different parameters raises ``IdempotentParameterMismatch``.
        """
        token = p.get(key)
        self._token_key = key
        self._token_value = str(token) if token not in (None, "") else None
        if self._token_value is None:
            return None
        found = self.emulator.store.token_get(self.product, self.action, self._token_value)
        if found is None:
            return None
        phash, response = found
        if phash != self._hash_params(p):
            # UNCONFIRMED (per product): the ECS-family code is used for every product.
            raise ApiError(
                "IdempotentParameterMismatch",
                "Request uses a client token in a previous request but is not identical to that request.",
                status=400,
            )
        return response

    def remember_token(self, p: dict[str, Any], response: Any) -> Any:
        key = self._token_key or "ClientToken"
        token = p.get(key)
        if token not in (None, ""):
            self.emulator.store.token_put(
                self.product, self.action, str(token), self._hash_params(p), response, self.now()
            )
        return response
