"""Answers, one module per command, and how they are written (HTML, tables, charts): each
turns a question into a `Reply` that Telegram, the console and `ask` all show."""
