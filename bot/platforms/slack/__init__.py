"""studybot on Slack: slack-bolt (Socket Mode or HTTP), Block Kit, a manifest derived from the command table."""
