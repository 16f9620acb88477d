"""Use cases shared by every front end (REST API, Telegram dialogs, MAX bot, agent chat)."""
