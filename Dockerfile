# One image for the API (`node dist/apps/api/main.js`), the worker
# (`node --max-semi-space-size=64 dist/apps/worker/main.js`) and the operator commands
# (`node dist/apps/cli/main.js migrate | vault-rotate | secrets <file>`).
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build

FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
# Production dependencies only (no pino-pretty, nothing that runs TypeScript): every entry point above is built.
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
# Where docker-compose keeps the secrets it generates: a volume, writable by the app's user.
RUN mkdir -p /var/lib/conduit && chown node:node /var/lib/conduit
USER node
EXPOSE 3000
CMD ["node", "dist/apps/api/main.js"]
