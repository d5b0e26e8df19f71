"""A Lambda context object with the attributes and method handlers and Powertools read."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field

from intentbid_local.environment import REGION

ACCOUNT_ID = "123456789012"
FUNCTION_PREFIX = "intentbid-local-"


@dataclass
class LambdaContext:
    function_name: str
    memory_limit_in_mb: int = 512
    timeout_s: float = 30.0
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    function_version: str = "$LATEST"
    identity: object | None = None
    client_context: object | None = None
    _deadline: float = field(default=0.0, repr=False)

    def __post_init__(self) -> None:
        self._deadline = time.monotonic() + self.timeout_s

    @property
    def invoked_function_arn(self) -> str:
        return f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:{self.function_name}"

    @property
    def log_group_name(self) -> str:
        return f"/aws/lambda/{self.function_name}"

    @property
    def log_stream_name(self) -> str:
        return f"local/[{self.function_version}]{self.aws_request_id[:8]}"

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def context_for(function: str, timeout_s: float = 30.0) -> LambdaContext:
    """A fresh context for one invocation of ``functions/<function>``."""
    return LambdaContext(function_name=FUNCTION_PREFIX + function, timeout_s=timeout_s)
