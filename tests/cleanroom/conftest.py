"""Share the loopback S3 server fixture with the promotion tests."""

from tests.cleanroom.test_destination import s3  # noqa: F401
