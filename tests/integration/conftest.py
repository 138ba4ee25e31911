"""Fixtures shared by the integration tests."""

from tests.integration.slack_harness import slack

__all__ = ["slack"]
