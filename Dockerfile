# closebot in a container: the bot runs as an unprivileged user, its database in /data.
#   docker build -t closebot .
#   docker run -e TELEGRAM_BOT_TOKEN=… -v closebot-data:/data closebot
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    CLOSEBOT_DB=/data/closebot.db

RUN useradd --create-home --uid 10001 closebot \
    && mkdir /data \
    && chown closebot:closebot /data

WORKDIR /app
# The pinned versions first, so code changes reuse the cached layer of dependencies.
COPY requirements.lock ./
RUN pip install -r requirements.lock
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY handlers ./handlers
COPY store ./store
RUN pip install --no-deps .

USER 10001:10001
VOLUME ["/data"]
CMD ["closebot", "run"]
