// A real OpenID provider for the gateway's tests: panva/oidc-provider (the certified Node.js
// implementation) on loopback, standing in for the provincial unified identity platform.
//
//   node server.mjs <port>
//
// Environment:
//   OIDC_PORT                 the port, when not given as the first argument
//   OIDC_ISSUER               default http://127.0.0.1:<port>
//   OIDC_CLIENT_ID, OIDC_CLIENT_SECRET, OIDC_REDIRECT_URI   the one confidential client (the gateway)
//   OIDC_TOKEN_AUTH_METHOD    client_secret_basic (default) or client_secret_post
//   OIDC_ACCOUNTS             JSON {"<account id>": {"name": "...", "id_number": "..."}, ...}
//
// Log-in is an interaction the test drives with plain HTTP, through the provider's documented
// interactionDetails / interactionFinished API:
//   GET  /interaction/<uid>          -> {"uid", "prompt", "client_id", "scope"}
//   POST /interaction/<uid>/login    form account=<account id>: the person logs in as that account
//   POST /interaction/<uid>/abort    the person declines (the client gets error=access_denied)
// The gateway is a first-party client, so consent is granted without asking (loadExistingGrant).
// Prints "listening <issuer>" once it accepts connections.

import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';

import Provider from 'oidc-provider';

const port = Number(process.argv[2] ?? process.env.OIDC_PORT);
if (!Number.isInteger(port) || port <= 0) {
  console.error('usage: node server.mjs <port> (or OIDC_PORT)');
  process.exit(2);
}
const issuer = process.env.OIDC_ISSUER ?? `http://127.0.0.1:${port}`;
const required = (name) => {
  const value = process.env[name];
  if (!value) {
    console.error(`${name} is required`);
    process.exit(2);
  }
  return value;
};
const client = {
  client_id: required('OIDC_CLIENT_ID'),
  client_secret: required('OIDC_CLIENT_SECRET'),
  redirect_uris: [required('OIDC_REDIRECT_URI')],
  grant_types: ['authorization_code'],
  response_types: ['code'],
  token_endpoint_auth_method: process.env.OIDC_TOKEN_AUTH_METHOD ?? 'client_secret_basic',
};
const accounts = JSON.parse(process.env.OIDC_ACCOUNTS ?? '{}');

// A fresh signing key per run: the gateway must take it from the JWKS, never from a file.
const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const signingKey = { ...privateKey.export({ format: 'jwk' }), kid: randomBytes(8).toString('hex'), alg: 'RS256', use: 'sig' };

const provider = new Provider(issuer, {
  clients: [client],
  jwks: { keys: [signingKey] },
  cookies: { keys: [randomBytes(32).toString('hex')] },
  // PKCE for every client, confidential ones included (the default asks it of public clients only).
  pkce: { required: () => true },
  scopes: ['openid', 'profile'],
  claims: { openid: ['sub'], profile: ['name', 'id_number'] },
  // The provincial platform puts the identity claims in the ID token itself.
  conformIdTokenClaims: false,
  features: { devInteractions: { enabled: false } },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  async findAccount(ctx, sub) {
    const account = accounts[sub];
    if (!account) return undefined;
    return { accountId: sub, claims: async () => ({ sub, ...account }) };
  },
  async loadExistingGrant(ctx) {
    const grantId = ctx.oidc.result?.consent?.grantId || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    if (grantId) return ctx.oidc.provider.Grant.find(grantId);
    const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId });
    grant.addOIDCScope('openid profile');
    await grant.save();
    return grant;
  },
  async renderError(ctx, out) {
    ctx.type = 'json';
    ctx.body = out;
  },
});

function json(res, status, body) {
  res.statusCode = status;
  res.setHeader('Content-Type', 'application/json');
  res.end(JSON.stringify(body));
}

async function readForm(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

async function interaction(req, res, uid, action) {
  const details = await provider.interactionDetails(req, res);
  if (details.uid !== uid) return json(res, 400, { error: 'interaction mismatch' });
  if (req.method === 'GET' && !action) {
    return json(res, 200, {
      uid: details.uid,
      prompt: details.prompt.name,
      client_id: details.params.client_id,
      scope: details.params.scope,
    });
  }
  if (req.method === 'POST' && action === 'login') {
    const accountId = (await readForm(req)).get('account') ?? '';
    if (details.prompt.name !== 'login') return json(res, 400, { error: `prompt is ${details.prompt.name}` });
    if (!accounts[accountId]) return json(res, 400, { error: 'unknown account' });
    return provider.interactionFinished(req, res, { login: { accountId } }, { mergeWithLastSubmission: false });
  }
  if (req.method === 'POST' && action === 'abort') {
    const result = { error: 'access_denied', error_description: 'the person declined to sign in' };
    return provider.interactionFinished(req, res, result, { mergeWithLastSubmission: false });
  }
  return json(res, 404, { error: 'not found' });
}

const handle = provider.callback();
const INTERACTION = /^\/interaction\/([A-Za-z0-9_-]+)(?:\/(login|abort))?$/;

const server = createServer((req, res) => {
  const match = INTERACTION.exec(new URL(req.url, issuer).pathname);
  if (!match) return handle(req, res);
  interaction(req, res, match[1], match[2]).catch((err) => {
    json(res, err.statusCode ?? 500, { error: err.name, error_description: err.message });
  });
});

server.listen(port, '127.0.0.1', () => console.log(`listening ${issuer}`));
for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => {
    server.close(() => process.exit(0));
    server.closeAllConnections();
  });
}
