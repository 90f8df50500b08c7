// A real SFTP server on 127.0.0.1 for the upload tests (the ssh2 package's server side), with an
// in-memory file system, public-key authentication, a log of operations, and a switch that drops
// the TCP connection in the middle of an upload.
import { createServer, type Server as NetServer, type Socket } from 'node:net';
import ssh2, { type Connection, type ParsedKey, type SFTPWrapper } from 'ssh2';

// ssh2 is CommonJS: its named exports are reached through the default export.
const { Server, utils } = ssh2;
const { OPEN_MODE, STATUS_CODE } = utils.sftp;

export interface SftpOp {
  readonly user: string;
  readonly op: 'open' | 'write' | 'close' | 'rename' | 'stat' | 'drop';
  readonly path: string;
  readonly to?: string;
}

export interface TestSftpServer {
  readonly port: number;
  /** Host key fingerprint, "SHA256:..." (for FEEDS_SFTP_HOST_KEY_SHA256). */
  readonly hostKeyFingerprint: string;
  /** Files by user, then path (what each dropbox holds). */
  readonly files: Map<string, Map<string, Buffer>>;
  readonly ops: SftpOp[];
  /** Drop the TCP connection once this many bytes of a file whose path matches have been written. */
  dropAfterBytes(pathPattern: RegExp, bytes: number): void;
  close(): Promise<void>;
}

export interface TestSftpOptions {
  /** OpenSSH public key text the clients must authenticate with. */
  readonly clientPublicKey: string;
  readonly users: readonly string[];
}

/**
 * An ed25519 key pair in OpenSSH format. ssh2's generator drops a leading zero byte of the public
 * key in about one key in 270, writing a key that neither ssh2 nor ssh-keygen can read (tests that
 * used it failed now and then with "Malformed OpenSSH private key"); such a key is made again.
 */
export function sshKeyPair(): { readonly private: string; readonly public: string } {
  for (;;) {
    const keys = utils.generateKeyPairSync('ed25519');
    if (!(utils.parseKey(keys.private) instanceof Error)) return keys;
  }
}

export async function startSftpServer(options: TestSftpOptions): Promise<TestSftpServer> {
  const hostKeys = sshKeyPair();
  const allowed = utils.parseKey(options.clientPublicKey) as ParsedKey;
  if (allowed instanceof Error) throw allowed;
  const files = new Map<string, Map<string, Buffer>>(options.users.map((u) => [u, new Map()]));
  const ops: SftpOp[] = [];
  const sockets = new Set<Socket>();
  let drop: { pattern: RegExp; bytes: number } | null = null;

  const ssh = new Server({ hostKeys: [hostKeys.private] }, (client: Connection) => {
    let user = '';
    client.on('error', () => {});
    client.on('authentication', (ctx) => {
      const key = ctx.method === 'publickey' ? ctx.key : null;
      if (
        key === null ||
        !files.has(ctx.username) ||
        key.algo !== allowed.type ||
        !key.data.equals(allowed.getPublicSSH()) ||
        (ctx.method === 'publickey' && ctx.signature !== undefined && allowed.verify(ctx.blob!, ctx.signature, ctx.hashAlgo) !== true)
      ) {
        ctx.reject(['publickey']);
        return;
      }
      user = ctx.username;
      ctx.accept();
    });
    client.on('ready', () => {
      client.on('session', (accept) => {
        const session = accept();
        session.on('sftp', (acceptSftp) => serveSftp(acceptSftp(), user, client));
      });
    });
  });

  function serveSftp(sftp: SFTPWrapper, user: string, client: Connection): void {
    const fs = files.get(user)!;
    const handles = new Map<number, { path: string; data: Buffer; written: number }>();
    let nextHandle = 1;
    const handleOf = (buf: Buffer) => buf.readUInt32BE(0);
    sftp.on('REALPATH', (id, path) => sftp.name(id, [{ filename: path === '.' ? '/' : path, longname: path, attrs: {} as never }]));
    sftp.on('OPEN', (id, path, flags) => {
      ops.push({ user, op: 'open', path });
      if (!(flags & OPEN_MODE.WRITE)) return sftp.status(id, STATUS_CODE.OP_UNSUPPORTED);
      const n = nextHandle++;
      handles.set(n, { path, data: flags & OPEN_MODE.TRUNC ? Buffer.alloc(0) : (fs.get(path) ?? Buffer.alloc(0)), written: 0 });
      fs.set(path, handles.get(n)!.data);
      const handle = Buffer.alloc(4);
      handle.writeUInt32BE(n);
      sftp.handle(id, handle);
    });
    sftp.on('WRITE', (id, handle, offset, data) => {
      const h = handles.get(handleOf(handle));
      if (!h) return sftp.status(id, STATUS_CODE.FAILURE);
      const end = offset + data.length;
      if (end > h.data.length) {
        const grown = Buffer.alloc(end);
        h.data.copy(grown);
        h.data = grown;
      }
      data.copy(h.data, offset);
      fs.set(h.path, h.data);
      h.written += data.length;
      if (drop?.pattern.test(h.path) && h.written >= drop.bytes) {
        drop = null;
        ops.push({ user, op: 'drop', path: h.path });
        // Gone without a word: the TCP connection is cut, as by a network failure.
        for (const socket of sockets) socket.destroy();
        return;
      }
      sftp.status(id, STATUS_CODE.OK);
    });
    sftp.on('CLOSE', (id, handle) => {
      const h = handles.get(handleOf(handle));
      if (h) ops.push({ user, op: 'close', path: h.path });
      handles.delete(handleOf(handle));
      sftp.status(id, STATUS_CODE.OK);
    });
    const statOf = (id: number, path: string) => {
      ops.push({ user, op: 'stat', path });
      const data = fs.get(path);
      if (data === undefined) return sftp.status(id, STATUS_CODE.NO_SUCH_FILE);
      sftp.attrs(id, { mode: 0o100644, uid: 0, gid: 0, size: data.length, atime: 0, mtime: 0 });
    };
    sftp.on('STAT', statOf);
    sftp.on('LSTAT', statOf);
    sftp.on('FSTAT', (id, handle) => {
      const h = handles.get(handleOf(handle));
      if (!h) return sftp.status(id, STATUS_CODE.FAILURE);
      sftp.attrs(id, { mode: 0o100644, uid: 0, gid: 0, size: h.data.length, atime: 0, mtime: 0 });
    });
    sftp.on('RENAME', (id, from, to) => {
      ops.push({ user, op: 'rename', path: from, to });
      const data = fs.get(from);
      // SFTP v3: renaming onto an existing file fails.
      if (data === undefined || fs.has(to)) return sftp.status(id, STATUS_CODE.FAILURE);
      fs.delete(from);
      fs.set(to, data);
      sftp.status(id, STATUS_CODE.OK);
    });
    sftp.on('REMOVE', (id, path) => {
      fs.delete(path);
      sftp.status(id, STATUS_CODE.OK);
    });
    client.on('close', () => handles.clear());
  }

  // Our own TCP server hands sockets to ssh2, so a test can cut them.
  const tcp: NetServer = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    ssh.injectSocket(socket);
  });
  await new Promise<void>((resolve) => tcp.listen(0, '127.0.0.1', resolve));
  const address = tcp.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  const parsedHost = utils.parseKey(hostKeys.public) as ParsedKey;
  const { createHash } = await import('node:crypto');
  const fingerprint = `SHA256:${createHash('sha256').update(parsedHost.getPublicSSH()).digest('base64').replace(/=+$/, '')}`;

  return {
    port,
    hostKeyFingerprint: fingerprint,
    files,
    ops,
    dropAfterBytes: (pattern, bytes) => {
      drop = { pattern, bytes };
    },
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => tcp.close(() => resolve()));
    },
  };
}
