# ixmeter image for server mode (docker-compose.yml). Node 20 on Debian 12, like the CI machines.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY collectors ./collectors
COPY tests/helpers ./tests/helpers
COPY tests/bench ./tests/bench
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production IXMETER_DATA_DIR=/var/lib/ixmeter IXMETER_HTTP_HOST=0.0.0.0
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY bin ./bin
COPY migrations ./migrations
RUN mkdir -p /var/lib/ixmeter && chown node:node /var/lib/ixmeter
USER node
EXPOSE 8080 2055/udp 4739/udp 6343/udp
ENTRYPOINT ["node", "bin/ixmeter.js"]
CMD ["serve"]
