"""The local engine in-process: moto's mock, for fast unit tests and the demo."""

from __future__ import annotations

import os
from types import TracebackType
from typing import TYPE_CHECKING, Any

from singletable.client import LOCAL_REGION, make_client
from singletable.local import gaps

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient

_FAKE_ENV = {
    "AWS_ACCESS_KEY_ID": "local",
    "AWS_SECRET_ACCESS_KEY": "local",
    "AWS_DEFAULT_REGION": LOCAL_REGION,
}


class InProcessEngine:
    """moto's in-process mock. Every botocore client made while it runs talks to it.

    Credentials and region are set to harmless local values for its lifetime so that nothing can
    reach AWS by accident.
    """

    def __init__(self) -> None:
        self._mock: Any = None
        self._saved_env: dict[str, str | None] = {}

    def start(self) -> InProcessEngine:
        from moto import mock_aws

        gaps.install()
        for key, value in _FAKE_ENV.items():
            self._saved_env[key] = os.environ.get(key)
            os.environ[key] = value
        self._mock = mock_aws()
        self._mock.start()
        return self

    def client(self) -> DynamoDBClient:
        """A client bound to the in-process engine."""
        return make_client(region=LOCAL_REGION)

    def stop(self) -> None:
        if self._mock is not None:
            self._mock.stop()
            self._mock = None
        for key, value in self._saved_env.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        self._saved_env.clear()

    def __enter__(self) -> InProcessEngine:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
