// A progress bar on a terminal (stderr), redrawn at most ten times a second.
import type { Progress } from './generate.js';

const WIDTH = 30;

export class TtyProgress implements Progress {
  private label = '';
  private total: number | null = null;
  private done = 0;
  private started = 0;
  private drawnAt = 0;

  constructor(private readonly stream: NodeJS.WriteStream) {}

  begin(label: string, total: number | null): void {
    this.label = label;
    this.total = total;
    this.done = 0;
    this.started = Date.now();
    this.drawnAt = 0;
    this.draw(true);
  }

  advance(n: number): void {
    this.done += n;
    this.draw(false);
  }

  end(): void {
    this.draw(true);
    this.stream.write('\n');
  }

  private draw(force: boolean): void {
    const now = Date.now();
    if (!force && now - this.drawnAt < 100) return;
    this.drawnAt = now;
    const seconds = Math.max(0.001, (now - this.started) / 1000);
    const rate = `${Math.round(this.done / seconds).toLocaleString('en-US')}/s`;
    let bar: string;
    if (this.total !== null && this.total > 0) {
      const fraction = Math.min(1, this.done / this.total);
      const filled = Math.round(fraction * WIDTH);
      bar = `[${'#'.repeat(filled)}${'.'.repeat(WIDTH - filled)}] ${String(Math.floor(fraction * 100)).padStart(3)}% ${this.done.toLocaleString('en-US')}/${this.total.toLocaleString('en-US')}`;
    } else {
      bar = `${this.done.toLocaleString('en-US')}`;
    }
    this.stream.write(`\r\x1b[2K${this.label.padEnd(12)} ${bar} ${rate}`);
  }
}
