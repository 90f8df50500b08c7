// The second baseline: an Express server that parses the JSON body and returns a fixed answer,
// as the stub skeletons partners start from do. A method slower than this does more per request
// than a server that does nothing at all behind a common framework.
import express from 'express';

const ANSWER = {
  waitlist_entry_id: 'bench',
  wait_estimate: { party_size: 2, wait_length: { estimated_seat_time_range: { start_seconds: '1700000000', end_seconds: '1700000600' } } },
};

const app = express();
app.disable('x-powered-by');
app.use(express.json());
app.use((_request, response) => {
  response.json(ANSWER);
});

const server = app.listen(0, '127.0.0.1', () => {
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  process.stdout.write(`express listening on http://127.0.0.1:${port}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
