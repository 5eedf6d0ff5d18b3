# syntax=docker/dockerfile:1.7
# s3-sync: built from the repository root:
#   docker build -f docker/s3-sync.Dockerfile -t registry.example.com/api-server/s3-sync:0.1.0 .
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
# Only the package, its built output and its production dependencies.
RUN pnpm --filter "@api-server/s3-sync" deploy --legacy --prod /out

FROM ${NODE_IMAGE}
WORKDIR /app
COPY --from=build --chown=0:0 /out /app/packages/s3-sync
ENV NODE_ENV=production SHARED_DIR=/shared
USER 10001:10001
ENTRYPOINT ["node", "--enable-source-maps", "--no-turbofan", "packages/s3-sync/dist/main.js"]
