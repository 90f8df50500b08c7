// HTTPS: the server serves the certificate from TLS_CERT_FILE/TLS_KEY_FILE and picks up a renewed
// pair written over the same files without a restart. Certificates come from the openssl CLI.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import type { TLSSocket } from 'node:tls';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { hasOpenssl, selfSigned } from '../../src/test-support/tls.js';
import { basicAuth, eventually, removeTempDirs, runCli, serverEnv, spawnServer, stopAll, tempDir, withTimeout, type ServerProcess } from './support.js';

interface HttpsResult {
  readonly status: number;
  readonly text: string;
  readonly fingerprint256: string;
}

/** One GET over a new TLS connection (no agent, so no reused session), trusting only `ca`. */
function httpsGet(url: string, ca: Buffer[], authorization: string, timeoutMs = 10_000): Promise<HttpsResult> {
  return withTimeout(
    new Promise<HttpsResult>((resolve, reject) => {
      const req = httpsRequest(url, { ca, agent: false, headers: { authorization } }, (res) => {
        const fingerprint256 = (res.socket as TLSSocket).getPeerCertificate().fingerprint256;
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8'), fingerprint256 }));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.setTimeout(timeoutMs, () => req.destroy(new Error('request timed out')));
      req.end();
    }),
    timeoutMs + 1_000,
    `GET ${url}`,
  );
}

const skip = hasOpenssl() ? false : 'the openssl CLI is not installed';

describe('HTTPS', { skip }, () => {
  const servers: ServerProcess[] = [];
  after(async () => {
    await stopAll(servers);
    removeTempDirs();
  });

  it('serves the configured certificate and reloads a renewed one without a restart', { timeout: 150_000 }, async () => {
    const dir = tempDir();
    const first = selfSigned(dir, '127.0.0.1');
    const env = serverEnv(dir, { TLS_CERT_FILE: first.certFile, TLS_KEY_FILE: first.keyFile });
    const auth = basicAuth(env.BOOKING_SERVER_CREDENTIALS);

    const server = await spawnServer(env, ['serve']);
    servers.push(server);
    assert.match(server.baseUrl, /^https:\/\/127\.0\.0\.1:\d+$/);
    const healthUrl = `${server.baseUrl}/v3/HealthCheck`;

    const health = await httpsGet(healthUrl, [first.cert], auth);
    assert.equal(health.status, 200, health.text);
    assert.equal(health.text, '{"status":"SERVING"}');
    assert.equal(health.fingerprint256, first.fingerprint256);
    const unauthenticated = await httpsGet(healthUrl, [first.cert], '');
    assert.equal(unauthenticated.status, 401);

    // Renewal: a new pair (new key, new serial, another CN) written over the same two files.
    const renewed = selfSigned(tempDir(), 'booking-server-renewed');
    assert.notEqual(renewed.fingerprint256, first.fingerprint256);
    writeFileSync(first.certFile, renewed.cert);
    writeFileSync(first.keyFile, renewed.key);

    const seen = await eventually(
      async () => {
        const result = await httpsGet(healthUrl, [first.cert, renewed.cert], auth);
        return result.fingerprint256 === renewed.fingerprint256 ? result : undefined;
      },
      20_000, // the server polls the files every 2 s
      'a new TLS connection to present the renewed certificate',
      200,
    );
    assert.equal(seen.status, 200, seen.text);

    // The renewed certificate alone is now enough to trust the server; the old one no longer is.
    const trusted = await httpsGet(healthUrl, [renewed.cert], auth);
    assert.equal(trusted.status, 200);
    assert.equal(trusted.fingerprint256, renewed.fingerprint256);
    await assert.rejects(httpsGet(healthUrl, [first.cert], auth), /self[- ]signed|unable to verify|certificate/i);

    // No restart: same process, still running, listening once.
    assert.equal(server.stdout.filter((line) => line.startsWith('booking-server listening on ')).length, 1);
    assert.ok(
      server.stdout.some((line) => line.includes('TLS certificate reloaded')),
      server.output(),
    );
    server.kill('SIGTERM');
    const exit = await withTimeout(server.exited, 30_000, 'the server to exit after SIGTERM');
    assert.deepEqual(exit, { code: 0, signal: null }, 'the process that served both certificates is the one we started');
  });

  it('TLS_CERT_FILE without TLS_KEY_FILE stops start-up and names the variable', async () => {
    const dir = tempDir();
    const pair = selfSigned(dir, '127.0.0.1');
    const result = await runCli(serverEnv(dir, { TLS_CERT_FILE: pair.certFile }), ['serve']);
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, /TLS_KEY_FILE/);
    assert.doesNotMatch(result.stdout, /listening/);

    const reverse = await runCli(serverEnv(dir, { TLS_KEY_FILE: pair.keyFile }), ['serve']);
    assert.notEqual(reverse.code, 0);
    assert.match(reverse.stderr, /TLS_CERT_FILE/);
  });

  it('unreadable or mismatched TLS files stop start-up with a message naming the variable, not a stack trace', async () => {
    const dir = tempDir();
    const pair = selfSigned(dir, '127.0.0.1');
    const other = selfSigned(tempDir(), '127.0.0.1');

    const missing = await runCli(serverEnv(dir, { TLS_CERT_FILE: join(dir, 'missing.pem'), TLS_KEY_FILE: pair.keyFile }), ['serve']);
    assert.notEqual(missing.code, 0);
    assert.match(missing.stderr, /TLS_CERT_FILE/);
    assert.match(missing.stderr, /missing\.pem/);
    assert.doesNotMatch(missing.stderr, /^\s+at /m);

    const mismatched = await runCli(serverEnv(dir, { TLS_CERT_FILE: pair.certFile, TLS_KEY_FILE: other.keyFile }), ['serve']);
    assert.notEqual(mismatched.code, 0);
    assert.match(mismatched.stderr, /TLS_KEY_FILE/);
    assert.doesNotMatch(mismatched.stderr, /^\s+at /m);
    assert.doesNotMatch(mismatched.stdout, /listening/);
  });
});
