# The ledger service. Build: docker build -t civic-points-ledger .   (or: docker compose up)
FROM node:24-bookworm-slim

WORKDIR /app
ENV NODE_ENV=production

# Dependencies first, so a code change does not reinstall them. tsx (which runs the TypeScript
# sources) is a runtime dependency; dev dependencies (tap, typescript) are left out.
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

COPY tsconfig.json ./
COPY src ./src
COPY migrations ./migrations
COPY openapi ./openapi

# Without DATABASE_URL the service uses the embedded database in DATA_DIR: keep it writable.
RUN mkdir -p /app/data && chown node:node /app/data
USER node

ENV HOST=0.0.0.0 \
    PORT=3000 \
    DATA_DIR=/app/data
EXPOSE 3000

HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/readyz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]

# The command `npm start` runs, started directly (not through npm) so that `docker stop`'s
# SIGTERM reaches the service itself and in-flight requests finish. Migrations run on start.
# --min-semi-space-size: see "Performance" in the README.
CMD ["node", "--min-semi-space-size=16", "--import", "tsx", "src/server.ts"]
