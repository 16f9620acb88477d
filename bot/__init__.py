"""Messenger front ends: Telegram (aiogram, `bot.telegram`) and MAX (maxapi, `bot.max`).

The composition root (helpdesk.app) mounts a bot only when its token is set, so a process
without bots never imports either SDK. Each bot's runtime builds Bot + Dispatcher in a cleanup
context and hands the bot to the workers through `Resources.bots`.
"""
