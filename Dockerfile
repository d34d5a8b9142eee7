# Firsthand: one image for every role (`--role ingest|router|bot`, or FIRSTHAND_ROLE; all by default).
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

FROM node:20-bookworm-slim
ENV NODE_ENV=production
# The weekly digest's chart is drawn by resvg, which writes text only with a font it finds on the system.
RUN apt-get update && apt-get install -y --no-install-recommends fonts-dejavu-core \
  && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev && npm cache clean --force
COPY --from=build /app/dist ./dist
# Migrations are applied at start; the examples are the default team and policy files.
COPY migrations ./migrations
COPY examples ./examples
COPY models ./models
USER node
EXPOSE 3000
# SIGTERM reaches node directly (exec form), so shutdown finishes the jobs in hand.
ENTRYPOINT ["node", "dist/main.js"]
