# One image for both programs: `metallb-ts controller ...` and
# `metallb-ts speaker ...` (the manifests pass the command as the first
# argument). Built in two stages: the toolchain stage compiles TypeScript
# and the native addon; the runtime stage holds Node, the production
# dependencies, the compiled JavaScript and the addon, nothing else.
#
#   docker build -t metallb-ts/metallb-ts:v0.1.0 .
#
# Node's major version is the one the project runs and tests on (README,
# "Runtime"); both stages use the same Debian release, so the addon built
# in the first links against the glibc of the second.

FROM node:24-bookworm AS build
WORKDIR /src
# The full node image has python3, make and g++ for node-gyp.
COPY package.json package-lock.json .npmrc binding.gyp tsconfig.json ./
COPY native/ native/
COPY src/ src/
# The npm workspace the program imports by name (memberlist-ts).
COPY packages/ packages/
# npm ci builds the addon (install script) and the JavaScript (prepare).
RUN npm ci && npm prune --omit=dev

FROM node:24-bookworm-slim AS runtime
WORKDIR /app
ENV NODE_ENV=production
COPY --from=build /src/package.json ./package.json
COPY --from=build /src/node_modules/ ./node_modules/
COPY --from=build /src/dist/src/ ./dist/src/
# node_modules/memberlist-ts is npm's link to the workspace: its target goes too.
COPY --from=build /src/packages/memberlist-ts/package.json ./packages/memberlist-ts/package.json
COPY --from=build /src/packages/memberlist-ts/dist/src/ ./packages/memberlist-ts/dist/src/
COPY --from=build /src/build/Release/metallb_native.node ./build/Release/metallb_native.node
# Not root by default: the controller runs as is; the speaker's pod asks for
# root with only NET_RAW (manifests/metallb.yaml).
USER 65534:65534
EXPOSE 7472 7946
# A young generation of at most 4 MiB per semi-space (V8's default grows to
# 16): the daemons' garbage is short-lived request and event data, so the
# smaller nursery costs no measurable time and keeps the controller's peak
# RSS at 10,000 Services near 95 MiB instead of 120 (bench/controller runs
# the controller with these flags).
ENTRYPOINT ["node", "--max-semi-space-size=4", "/app/dist/src/cli/main.js"]
CMD ["--help"]
