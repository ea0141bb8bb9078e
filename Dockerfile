# The headless PulseDesk server (no Qt): `pulsedesk serve`, as the README documents.
# Not built on the machine this was written on (no Docker engine there); see README "Scaling out".
# 3.13: the newest Python that CI runs (.ci/run); the package supports 3.11 and later.
FROM python:3.13-slim

WORKDIR /srv/pulsedesk
COPY pyproject.toml README.md LICENSE ./
COPY common ./common
COPY server ./server
COPY app ./app
COPY ui ./ui
# The base install only: the desktop extra (Qt) is not needed to serve.
RUN pip install --no-cache-dir . && useradd --create-home pulsedesk
USER pulsedesk

EXPOSE 8000
# Bound beyond loopback, so a token is required (auth "auto"); give every instance the same
# admin token with PULSEDESK_ADMIN_TOKEN, and the bus with PULSEDESK_BROADCAST_URL.
CMD ["pulsedesk", "serve", "--host", "0.0.0.0", "--port", "8000"]
