// A local fake of Google's side for real-time update tests: the OAuth token endpoint (it checks
// the service account's RS256 assertion) and the Maps Booking API, recording every call and
// answering with scripted statuses.
import { createPublicKey, generateKeyPairSync, verify } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const FAKE_SA_EMAIL = 'rtu-test@example-project.iam.gserviceaccount.com';
export const MAPS_BOOKING_SCOPE = 'https://www.googleapis.com/auth/mapsbooking';
/** The audience Google's token endpoint expects in the assertion, wherever the request is sent. */
export const TOKEN_AUDIENCE = 'https://oauth2.googleapis.com/token';

export interface RecordedCall {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly authorization: string;
  readonly body: any;
  /** The status the fake answered with. */
  readonly status: number;
}

export interface TokenRequest {
  /** The assertion's header and claims (decoded; the signature was checked when `granted`). */
  readonly header: Record<string, unknown> | null;
  readonly claims: Record<string, unknown> | null;
  readonly granted: boolean;
  /** Why a request was refused (null when granted). */
  readonly refusal: string | null;
}

/**
 * One scripted answer: a status, optionally with a Retry-After header, or for a 200 the body to
 * answer with, made from the request's (by default the request's body is echoed).
 */
export type Step = number | { readonly status: number; readonly retryAfter?: string | number; readonly body?: (request: any) => unknown };

export interface FakeGoogle {
  readonly baseUrl: string;
  readonly tokenUrl: string;
  /** A service-account key file whose public key the fake token endpoint trusts. */
  readonly serviceAccountFile: string;
  /** Every API call (not token requests), in arrival order. */
  readonly calls: RecordedCall[];
  /** Every token request, granted or not. */
  readonly tokenRequests: TokenRequest[];
  readonly tokensIssued: () => number;
  /** Answers for the next API calls, in order; 200 (echoing the body) once they run out. */
  script(...steps: Step[]): void;
  /** Answers every API call with `status` (and Retry-After, if given) until `up()`; the token endpoint keeps working. */
  down(status: number, retryAfter?: string | number): void;
  up(): void;
  /** Answers every API call matching `test` with `status` (and Retry-After, if given) until cleared. */
  rejectWhen(test: (call: Omit<RecordedCall, 'status'>) => boolean, status: number, retryAfter?: string | number): void;
  clearRejections(): void;
  /** Tokens issued so far stop working: API calls carrying them get 401 UNAUTHENTICATED. */
  revokeTokens(): void;
  /** Forgets recorded calls and token requests, scripts, rejections and outages (tokens stay valid). */
  reset(): void;
  close(): Promise<void>;
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (c: Buffer) => chunks.push(c));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

function decodePart(part: string | undefined): Record<string, unknown> | null {
  if (!part) return null;
  try {
    return JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as Record<string, unknown>;
  } catch {
    return null;
  }
}

/** Checks a JWT-bearer assertion as Google's token endpoint would; returns why it is refused, or null. */
function checkAssertion(
  assertion: string,
  publicKeyPem: string,
  nowSec: number,
): { header: Record<string, unknown> | null; claims: Record<string, unknown> | null; refusal: string | null } {
  const [h, p, signature] = assertion.split('.');
  const header = decodePart(h);
  const claims = decodePart(p);
  if (!h || !p || !signature || header === null || claims === null) return { header, claims, refusal: 'not a JWT' };
  if (header.alg !== 'RS256') return { header, claims, refusal: `alg ${String(header.alg)}, not RS256` };
  if (!verify('RSA-SHA256', Buffer.from(`${h}.${p}`), createPublicKey(publicKeyPem), Buffer.from(signature, 'base64url'))) {
    return { header, claims, refusal: 'bad signature' };
  }
  if (claims.iss !== FAKE_SA_EMAIL) return { header, claims, refusal: `iss ${String(claims.iss)}` };
  if (claims.scope !== MAPS_BOOKING_SCOPE) return { header, claims, refusal: `scope ${String(claims.scope)}` };
  if (claims.aud !== TOKEN_AUDIENCE) return { header, claims, refusal: `aud ${String(claims.aud)}` };
  const iat = Number(claims.iat);
  const exp = Number(claims.exp);
  if (!Number.isInteger(iat) || !Number.isInteger(exp) || exp <= iat || exp - iat > 3600)
    return { header, claims, refusal: 'iat/exp missing or more than an hour apart' };
  // Generous about clock skew between the test and the library, strict about stale assertions.
  if (exp < nowSec - 300 || iat > nowSec + 300) return { header, claims, refusal: 'assertion expired or from the future' };
  return { header, claims, refusal: null };
}

export async function startFakeGoogle(): Promise<FakeGoogle> {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const publicPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const dir = mkdtempSync(join(tmpdir(), 'fake-google-'));
  const serviceAccountFile = join(dir, 'service-account.json');
  writeFileSync(
    serviceAccountFile,
    JSON.stringify({
      type: 'service_account',
      project_id: 'example-project',
      client_email: FAKE_SA_EMAIL,
      private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    }),
  );
  const calls: RecordedCall[] = [];
  const tokenRequests: TokenRequest[] = [];
  const scripted: Step[] = [];
  let outage: { status: number; retryAfter?: string | number } | null = null;
  let rejection: { test: (c: Omit<RecordedCall, 'status'>) => boolean; status: number; retryAfter?: string | number } | null = null;
  let tokens = 0;
  /** Tokens numbered up to this one are revoked. */
  let revokedUpTo = 0;

  const server: Server = createServer((request, response) => {
    void (async () => {
      const url = new URL(request.url ?? '/', 'http://fake');
      const text = await readBody(request);
      const send = (status: number, body: unknown, headers: Record<string, string> = {}): void => {
        response.writeHead(status, { 'content-type': 'application/json', ...headers });
        response.end(JSON.stringify(body));
      };
      if (url.pathname === '/token') {
        const form = new URLSearchParams(text);
        const checked =
          form.get('grant_type') !== 'urn:ietf:params:oauth:grant-type:jwt-bearer'
            ? { header: null, claims: null, refusal: `grant_type ${String(form.get('grant_type'))}` }
            : checkAssertion(form.get('assertion') ?? '', publicPem, Math.floor(Date.now() / 1000));
        tokenRequests.push({ header: checked.header, claims: checked.claims, granted: checked.refusal === null, refusal: checked.refusal });
        if (checked.refusal !== null) return send(400, { error: 'invalid_grant', error_description: checked.refusal });
        tokens += 1;
        return send(200, { access_token: `fake-token-${tokens}`, token_type: 'Bearer', expires_in: 3600 });
      }
      const seen = {
        method: request.method ?? '',
        path: url.pathname,
        query: url.searchParams,
        authorization: request.headers.authorization ?? '',
        body: text === '' ? null : (JSON.parse(text) as unknown),
      };
      const answer = (status: number, body: unknown, headers: Record<string, string> = {}): void => {
        calls.push({ ...seen, status });
        send(status, body, headers);
      };
      const token = /^Bearer fake-token-(\d+)$/.exec(seen.authorization);
      if (token === null || Number(token[1]) <= revokedUpTo || Number(token[1]) > tokens) {
        return answer(401, { error: { code: 401, message: 'Request had invalid authentication credentials.', status: 'UNAUTHENTICATED' } });
      }
      const rejected = rejection?.test(seen) ? rejection : null;
      const step: Step = rejected ?? outage ?? scripted.shift() ?? 200;
      const { status, retryAfter, body } = typeof step === 'number' ? { status: step, retryAfter: undefined, body: undefined } : step;
      if (status !== 200) {
        const headers: Record<string, string> = retryAfter === undefined ? {} : { 'retry-after': String(retryAfter) };
        const grpc = status === 429 ? 'RESOURCE_EXHAUSTED' : status === 401 ? 'UNAUTHENTICATED' : status < 500 ? 'INVALID_ARGUMENT' : 'UNAVAILABLE';
        return answer(status, { error: { code: status, message: rejected ? 'rejected by the fake' : 'scripted failure', status: grpc } }, headers);
      }
      return answer(200, body !== undefined ? body(seen.body) : (seen.body ?? {}));
    })().catch((error: unknown) => {
      response.writeHead(500);
      response.end(String(error));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  const base = `http://127.0.0.1:${port}`;
  return {
    baseUrl: base,
    tokenUrl: `${base}/token`,
    serviceAccountFile,
    calls,
    tokenRequests,
    tokensIssued: () => tokens,
    script: (...steps) => scripted.push(...steps),
    down: (status, retryAfter) => {
      outage = retryAfter === undefined ? { status } : { status, retryAfter };
    },
    up: () => {
      outage = null;
    },
    rejectWhen: (test, status, retryAfter) => {
      rejection = retryAfter === undefined ? { test, status } : { test, status, retryAfter };
    },
    clearRejections: () => {
      rejection = null;
    },
    revokeTokens: () => {
      revokedUpTo = tokens;
    },
    reset: () => {
      calls.length = 0;
      tokenRequests.length = 0;
      scripted.length = 0;
      outage = null;
      rejection = null;
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
