/**
 * @file What the API benchmarks share to drive a Likeness server from outside: the server as its own process, an
 * HTTPS client with keep-alive, the SmartSelfie job zip a client uploads, and a process's CPU time from /proc.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:https';
import { join } from 'node:path';
import JSZip from 'jszip';
import { REPO_ROOT } from './report.js';

export const CLI = join(REPO_ROOT, 'dist', 'src', 'cli', 'main.js');

export interface HttpAnswer {
  status: number;
  body: string;
  ms: number;
}

export class Client {
  private readonly agent: Agent;
  constructor(ca: string) {
    this.agent = new Agent({ keepAlive: true, maxSockets: 64, ca });
  }
  send(method: string, url: string, body: Buffer | string, contentType: string): Promise<HttpAnswer> {
    const started = performance.now();
    return new Promise((resolve, reject) => {
      const req = request(url, { method, agent: this.agent, headers: { 'content-type': contentType, 'content-length': Buffer.byteLength(body) } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), ms: performance.now() - started }));
      });
      req.on('error', reject);
      req.end(body);
    });
  }
  close(): void {
    this.agent.destroy();
  }
}

/**
 * CPU time in ms a Linux process has used: its main thread (the event loop) alone, or all its threads (engine
 * workers included). Read from /proc; null elsewhere (or once the process is gone).
 */
export function cpuMs(pid: number, mainThreadOnly = false): number | null {
  try {
    const stat = readFileSync(mainThreadOnly ? `/proc/${pid}/task/${pid}/stat` : `/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime (fields 14 and 15 of stat) in clock ticks, 100 per second on Linux.
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return null;
  }
}

/** `likeness <args>` as its own process, ready once it prints the origin it listens on. */
export async function startServerProcess(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<{ child: ChildProcess; origin: string }> {
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'inherit'], env });
  const origin = await new Promise<string>((resolve, reject) => {
    let out = '';
    const onData = (c: Buffer) => {
      out += c.toString();
      const m = /listening on (https:\/\/\S+)/.exec(out);
      if (m) {
        child.stdout!.off('data', onData);
        child.off('exit', onExit);
        // Keep draining its output so a chatty server never blocks on a full pipe.
        child.stdout!.resume();
        resolve(m[1]);
      }
    };
    const onExit = (code: number | null) => reject(new Error(`server exited with ${code}: ${out}`));
    child.stdout!.on('data', onData);
    child.once('exit', onExit);
  });
  return { child, origin };
}

/** The job zip a SmartSelfie client PUTs: a selfie file and the liveness frames inline, as the JS SDK builds it. */
export function smartSelfieZip(partnerId: string, params: Record<string, unknown>, selfie: Buffer, frames: Buffer[]): Promise<Buffer> {
  const zip = new JSZip();
  zip.file('selfie.jpg', selfie);
  zip.file(
    'info.json',
    JSON.stringify({
      package_information: { language: 'javascript' },
      misc_information: { retry: 'false', partner_params: params, smile_client_id: partnerId },
      id_info: { entered: 'false' },
      images: [{ image_type_id: 0, image: '', file_name: 'selfie.jpg' }, ...frames.map((f) => ({ image_type_id: 6, image: f.toString('base64'), file_name: '' }))],
    }),
  );
  return zip.generateAsync({ type: 'nodebuffer' });
}
