// The part of Express 5's API the fixed-answer baseline uses (@types/express is not installed).
declare module 'express' {
  import type { IncomingMessage, Server, ServerResponse } from 'node:http';

  interface Response extends ServerResponse {
    json(body: unknown): Response;
  }
  type Handler = (request: IncomingMessage, response: Response, next: (error?: unknown) => void) => void;
  interface Application {
    disable(setting: string): Application;
    use(handler: Handler): Application;
    listen(port: number, host: string, callback: () => void): Server;
  }
  interface Express {
    (): Application;
    json(): Handler;
  }
  const express: Express;
  export default express;
}
