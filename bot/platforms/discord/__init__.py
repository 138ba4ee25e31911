"""studybot on Discord: discord.py, slash commands from the command table, buttons that survive restarts."""
