"""Everything between a question and its reply, in three layers: `core` (the market's rules:
calendar, matching, dates, figures, narrative), `answers` (one module per command, and how a
reply is written) and `edge` (Telegram). Beside them: the command table (`commands`), what a
command is (`catalog`), the services every answer is given, and the one way to load a session."""
