# One image for every process of the order engine: command-service, relay, projection-service (and its workers),
# query-service, and the embedded one-process engine. docker-compose.yml picks the command per service, e.g.
#   node --import tsx command-service/src/main.ts
# which is what `npx tsx command-service/src/main.ts` runs, minus the npm and tsx wrapper processes: the service
# itself receives SIGTERM from `docker compose stop` and shuts down gracefully (stopOnSignals).
#
# Without a command the container runs the embedded engine (`npm start`): docker run -p 3000-3002:3000-3002 <image>
#
# No secrets are baked in: every setting is an environment variable (shared/src/config/config.ts), given at run time.

# Node 24 (LTS), the line CI runs the whole suite on; --build-arg NODE_VERSION=20 for the oldest line still supported
# (package.json engines: >=20.19).
ARG NODE_VERSION=24

# Every workspace's package.json and the lockfile, so that a source change does not reinstall the dependencies. npm ci
# needs them all to link the workspaces (node_modules/@order-engine/* -> ../../<workspace>).
FROM node:${NODE_VERSION}-bookworm-slim AS manifests
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
COPY shared/package.json shared/
COPY command-service/package.json command-service/
COPY projection-service/package.json projection-service/
COPY query-service/package.json query-service/
COPY client/package.json client/
COPY console/package.json console/
COPY bench/package.json bench/

# The operator console is built with Vite (a devDependency) in a stage of its own; the image keeps only its files.
FROM manifests AS console
RUN npm ci --no-audit --no-fund
COPY client client
COPY console console
RUN npm run build -w console

FROM manifests

# HOST=0.0.0.0: inside a container the HTTP servers must listen on every interface, or the published ports and the
# health checks of other containers cannot reach them (the engine's own default is 127.0.0.1).
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    DATA_DIR=/app/data \
    NPM_CONFIG_UPDATE_NOTIFIER=false \
    NPM_CONFIG_FUND=false \
    NPM_CONFIG_AUDIT=false

# devDependencies (typescript, vitest, eslint, vite, @types) are left out: tsx runs the TypeScript sources directly.
RUN npm ci --omit=dev --no-audit --no-fund \
 && npm cache clean --force

# The sources (see .dockerignore: no node_modules, data, tests, .git). They stay owned by root and read-only for the
# service user; only DATA_DIR (PGlite, embedded mode) is writable. tsx keeps its compile cache in /tmp.
COPY . .
COPY --from=console /app/console/dist console/dist
RUN mkdir -p /app/data && chown node:node /app/data

# The official image's unprivileged user (uid 1000).
USER node

EXPOSE 3000 3001 3002

CMD ["node", "--import", "tsx", "embedded/main.ts"]
