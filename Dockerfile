# syntax=docker/dockerfile:1
# raftlite on Node.js.
#   docker build -t raftlite .
#   docker run -p 4001:4001 -p 4002:4002 -v raftlite-data:/data raftlite
# Configuration: RAFTLITE_<FLAG> variables (runtimes/node/env-args.ts); arguments are extra flags.
ARG NODE_IMAGE=node:20-slim

# Production dependencies: --omit=dev drops vitest, typescript, better-sqlite3, deno and bun.
# The native parts (cbor-extract) come prebuilt in per-platform packages: no install
# scripts.
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force

# The bundle the image runs: loading the TypeScript through tsx at run time would cost about
# 85 MiB of resident memory. esbuild is a devDependency, so this stage installs them all; none
# of it reaches the final image.
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY scripts ./scripts
COPY src ./src
COPY runtimes/node ./runtimes/node
RUN node scripts/build.mjs --bins

FROM ${NODE_IMAGE}
ENV NODE_ENV=production \
    MALLOC_ARENA_MAX=2 \
    RAFTLITE_HTTP_ADDR=0.0.0.0:4001 \
    RAFTLITE_RAFT_ADDR=0.0.0.0:4002 \
    RAFTLITE_DATA_DIR=/data
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json ./
COPY --from=build /app/dist ./dist
# Owned by the base image's unprivileged `node` user before VOLUME, so a new named volume
# inherits the ownership.
RUN mkdir /data && chown node:node /data
USER node
VOLUME /data
EXPOSE 4001 4002
# Slim images have no curl: Node's fetch asks /readyz on the HTTP port.
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + process.env.RAFTLITE_HTTP_ADDR.split(':').pop() + '/readyz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# No shell and no npm in between: node is PID 1 and gets SIGTERM itself (clean stop, exit 0).
# The V8 flags keep the heap near its live size (docs/performance.md).
ENTRYPOINT ["node", "--max-semi-space-size=4", "--max-old-space-size=1024", "dist/container-main.mjs"]
