/**
 * The tap's standard output as a Unix socket that the relay reads into large buffers.
 *
 * Why not child_process's own stdout pipe: Node reads it 64 KiB at a time, each read into a new
 * buffer pushed through the stream machinery. Read here into slices of a larger slab, a read takes
 * all the socket holds (~200 KiB on Linux), so the tap and the relay wake up a quarter as often;
 * measured 3-4 % faster end to end than the stdout pipe, best and median of 15 alternated runs
 * (bench/relay.mjs). `net.connect`'s `onread` is the public way to choose read buffers, so the
 * socket comes from a one-connection server in a private temporary directory (mode 0700): the
 * accepted end becomes the tap's stdout, the connecting end is read here. Both are AF_UNIX stream
 * sockets, as child_process's own socketpair is: the tap cannot tell the difference.
 */
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { ReadAhead } from './readAhead';
import { ReadPacing } from './readPacing';
import type { RelaySource } from './relay';
import { removeFolderOfFiles } from './removeFile';
import { ReadTally, type ReadCounts } from './tapWrites';

/**
 * What the first read is offered. Each read is then offered twice what the last one took, between
 * this and MAX_READ_BYTES, so a tap that writes little costs 64 KiB (a scheduler runs hundreds of
 * jobs at once) and a fast one gets reads as large as the socket holds.
 */
const FIRST_READ_BYTES = 64 * 1024;
/**
 * The most one read takes. Back-pressure pauses the tap after a write passes the limit, so the
 * target's queue can exceed it by one read: this keeps that bounded at 1 MiB.
 */
export const MAX_READ_BYTES = 1024 * 1024;
/** A new slab holds this many reads of the size offered, once reads are large. */
const READS_PER_SLAB = 4;
/**
 * The longest socket path every POSIX system takes (macOS: 104 bytes with the NUL). Node binds a
 * longer one silently cut short, outside the private directory: such a TMPDIR gets the pipe.
 */
const MAX_SOCKET_PATH_BYTES = 103;

export interface TapOutput {
  /** For `spawn`'s stdio: the tap's stdout. Close it here with `release()` once the tap runs. */
  readonly childEnd: net.Socket;
  readonly source: RelaySource & Pick<SlabReader, 'reads'>;
  /** Closes this process's copy of the tap's end, so the tap's exit ends the output. */
  release(): void;
  /** Closes both ends (the tap could not be started). */
  destroy(): void;
}

/**
 * Opens the socket; null when this system will not make one (the caller then uses a plain pipe,
 * which works the same, only slower).
 */
export async function openTapOutput(): Promise<TapOutput | null> {
  let dir: string | undefined;
  let server: net.Server | undefined;
  let reader: net.Socket | undefined;
  try {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'singer-tap-'));
    const socketPath = path.join(dir, 'out.sock');
    if (Buffer.byteLength(socketPath) > MAX_SOCKET_PATH_BYTES) return null;
    server = net.createServer({ pauseOnConnect: true });
    const srv = server;
    await new Promise<void>((resolve, reject) => {
      srv.once('error', reject);
      srv.listen(socketPath, resolve);
    });
    const accepted = new Promise<net.Socket>((resolve, reject) => {
      srv.once('connection', resolve);
      srv.once('error', reject);
    });
    const source = new SlabReader();
    const sock = net.connect({ path: socketPath, onread: { buffer: () => source.nextBuffer(), callback: (n, buf) => source.read(n, buf) } });
    reader = sock;
    const connected = new Promise<void>((resolve, reject) => {
      sock.once('connect', resolve);
      sock.once('error', reject);
    });
    const [childEnd] = await Promise.all([accepted, connected]);
    source.stream = sock;
    // The relay pauses the tap for back-pressure; what is read ahead waits for it too.
    sock.on('resume', () => source.resumed());
    // With onread no 'data' is emitted; flowing mode only makes sure 'end' is.
    sock.resume();
    return {
      childEnd,
      source,
      release: () => childEnd.destroy(),
      destroy: () => {
        childEnd.destroy();
        sock.destroy();
      },
    };
  } catch {
    reader?.destroy();
    return null;
  } finally {
    server?.close();
    if (dir) removeFolderOfFiles(dir);
  }
}

/**
 * Hands out slices of a slab for reads and passes each read on as a chunk, read ahead of the relay's
 * checks (readAhead.ts). While chunks are held here or by the relay (the target is behind), each read
 * gets fresh memory; once none is, reads start over at the slab's beginning. With a target that keeps
 * up, the same few hundred KiB are read into again and again: no new pages to fault in, and they stay
 * in the cache (measured ~4 % faster end to end than a new slab every 4 MiB).
 */
class SlabReader implements RelaySource {
  stream!: net.Socket;
  private slab = Buffer.allocUnsafe(0);
  private used = 0;
  private lastRead = 0;
  private idle: () => boolean = () => false;
  private ahead: ReadAhead | undefined;
  private readonly pacing = new ReadPacing();
  private readonly tally = new ReadTally();
  /** Output read before the relay started (normally none: the tap starts after the relay). */
  private early: Buffer[] = [];

  onChunk(deliver: (chunk: Buffer) => void): void {
    this.ahead = new ReadAhead(deliver, { paused: () => this.stream.isPaused() });
    for (const chunk of this.early) deliver(chunk);
    this.early = [];
  }

  flush(): void {
    this.ahead?.flush();
  }

  /** How the tap wrote, as read so far (tapWrites.ts). */
  reads(): ReadCounts {
    return this.tally.snapshot();
  }

  resumed(): void {
    this.ahead?.resumed();
  }

  reuseWhen(idle: () => boolean): void {
    this.idle = idle;
  }

  nextBuffer(): Buffer {
    const want = Math.min(MAX_READ_BYTES, Math.max(FIRST_READ_BYTES, 2 * this.lastRead));
    // Early chunks are safe: `idle` answers false until the relay, in the same turn, takes them.
    if (!this.ahead?.holding && this.idle()) this.used = 0;
    if (this.slab.length - this.used < want) {
      this.slab = Buffer.allocUnsafe(this.lastRead >= FIRST_READ_BYTES ? want * READS_PER_SLAB : want);
      this.used = 0;
    }
    return this.slab.subarray(this.used, this.used + want);
  }

  /**
   * Returns false to stop reading while a slow tap's output gathers (readPacing.ts); reading starts
   * again after the pause unless the relay has paused the tap meanwhile, whose resume() restarts it.
   */
  read(nread: number, buf: Uint8Array): boolean {
    const chunk = Buffer.from(buf.buffer, buf.byteOffset, nread);
    this.used += nread;
    this.lastRead = nread;
    this.tally.add(nread);
    if (this.ahead) this.ahead.push(chunk);
    else this.early.push(chunk);
    const wait = this.pacing.afterRead(nread);
    if (wait === 0) return true;
    setTimeout(this.readAgain, wait);
    return false;
  }

  private readonly readAgain = (): void => {
    // On a socket read through `onread`, resume() starts reading again when it had stopped.
    if (!this.stream.destroyed && !this.stream.isPaused()) this.stream.resume();
  };
}
