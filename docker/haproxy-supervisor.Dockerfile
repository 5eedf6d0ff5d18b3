# syntax=docker/dockerfile:1.7
# haproxy-supervisor: built from the repository root:
#   docker build -f docker/haproxy-supervisor.Dockerfile -t registry.example.com/api-server/haproxy-supervisor:0.1.0 .
# Pin the base by digest in your registry mirror (NODE_IMAGE=node:22-bookworm-slim@sha256:...).
ARG NODE_IMAGE=node:22-bookworm-slim

FROM ${NODE_IMAGE} AS build
RUN npm install -g pnpm@10.20.0
WORKDIR /src
COPY package.json pnpm-lock.yaml pnpm-workspace.yaml tsconfig.base.json tsconfig.json ./
COPY packages ./packages
# The whole workspace, installed and built the same way in every Dockerfile: the steps up
# to here are identical across the six, so a builder with a layer cache runs them once
# for all images (scripts/build-images.sh), and each image adds only its own deploy.
RUN pnpm install --frozen-lockfile
RUN pnpm exec tsc -b
# Only the packages, their built output and their production dependencies; apictl ships
# in this image too (`kubectl exec ... -c haproxy-supervisor -- apictl status`).
RUN pnpm --filter "@api-server/haproxy-supervisor" deploy --legacy --prod /out \
 && pnpm --filter "@api-server/cli" deploy --legacy --prod /out-cli

FROM ${NODE_IMAGE}
# HAProxy 2.6 from Debian bookworm, allowed to bind :80 as the non-root user.
RUN apt-get update \
 && apt-get install -y --no-install-recommends haproxy libcap2-bin \
 && setcap cap_net_bind_service=+ep /usr/sbin/haproxy \
 && apt-get purge -y libcap2-bin && apt-get autoremove -y \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=build --chown=0:0 /out /app/packages/haproxy-supervisor
COPY --from=build --chown=0:0 /out-cli /app/packages/cli
RUN ln -s /app/packages/cli/dist/main.js /usr/local/bin/apictl && chmod 0755 /app/packages/cli/dist/main.js
ENV NODE_ENV=production SHARED_DIR=/shared
USER 10001:10001
ENTRYPOINT ["node", "--enable-source-maps", "--no-turbofan", "packages/haproxy-supervisor/dist/main.js"]
