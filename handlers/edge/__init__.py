"""The Telegram edge: reading updates, calling answers, sending replies; flood control,
inline queries and files sent by operators."""
