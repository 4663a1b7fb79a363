// Stands in for the `undici` package inside the Lambda bundles (esbuild alias, infra/bundling.ts). shared/ uses
// two things from undici: Agent (a connection pool per origin, keep-alive) and request() through an explicit
// dispatcher. undici's package entry also loads fetch, WebSocket, EventSource, caches, mocks and proxies, which
// esbuild cannot tree-shake out of CommonJS: ~520 KiB of a search bundle. This entry wires the same undici
// modules the package entry wires for those two (Dispatcher's API methods mixed into its prototype), ~300 KiB.
// The requires are relative paths because the alias also captures every "undici/..." specifier.
//
// The search function's contract test runs the bundled handler against the loopback E-utilities, so a
// behaviour difference or a moved undici module fails a test, not a deployment.
'use strict';
const Agent = require('../../node_modules/undici/lib/dispatcher/agent');
const Dispatcher = require('../../node_modules/undici/lib/dispatcher/dispatcher');
const api = require('../../node_modules/undici/lib/api');

Object.assign(Dispatcher.prototype, api);

/** undici.request(url, { dispatcher, ...options }) for absolute URLs and an explicit dispatcher. */
function request(url, options) {
  if (!options?.dispatcher) {
    throw new Error('undici shim: request() needs an explicit dispatcher (infra/shims/undici-request.cjs)');
  }
  const target = url instanceof URL ? url : new URL(String(url));
  return options.dispatcher.request({
    ...options,
    origin: target.origin,
    path: `${target.pathname}${target.search}`,
    method: options.method || (options.body ? 'PUT' : 'GET'),
  });
}

module.exports = { Agent, Dispatcher, request };
