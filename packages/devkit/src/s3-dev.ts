import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, DeleteObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
// s3rver ships no type declarations.
// @ts-expect-error untyped module
import S3rver from 's3rver';
import { freePort } from './free-port.js';

/** A real S3-compatible server (s3rver) on loopback, spoken to by the real AWS SDK. */
export class S3Dev {
  private constructor(
    private server: { close(): Promise<void> } | undefined,
    readonly port: number,
    readonly dir: string,
    readonly client: S3Client,
  ) {}

  static async start(buckets: string[] = ['templates'], fixedPort?: number): Promise<S3Dev> {
    const dir = await mkdtemp(join(tmpdir(), 's3rver-'));
    const port = fixedPort ?? (await freePort());
    const server = new S3rver({ port, address: '127.0.0.1', directory: dir, silent: true });
    await server.run();
    const client = new S3Client({ endpoint: `http://127.0.0.1:${port}`, forcePathStyle: true, region: 'us-east-1', credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } });
    for (const Bucket of buckets) await client.send(new CreateBucketCommand({ Bucket }));
    return new S3Dev(server, port, dir, client);
  }

  get endpoint(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** What s3-sync and apictl need to reach this server. */
  env(): Record<string, string> {
    return { S3_ENDPOINT: this.endpoint, S3_FORCE_PATH_STYLE: 'true', AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER' };
  }

  async put(bucket: string, key: string, body: string | Uint8Array): Promise<void> {
    await this.client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
  }

  async delete(bucket: string, key: string): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
  }

  /** Takes the server away (an S3 outage); its data stays for `resume()`. */
  async pause(): Promise<void> {
    // s3rver's close() waits for keep-alive connections, which a polling client keeps busy.
    (this.server as { httpServer?: { closeAllConnections?: () => void } } | undefined)?.httpServer?.closeAllConnections?.();
    await this.server?.close();
    this.server = undefined;
  }

  /** Brings the server back on the same port with the same data. */
  async resume(): Promise<void> {
    const server = new S3rver({ port: this.port, address: '127.0.0.1', directory: this.dir, silent: true });
    await server.run();
    this.server = server;
  }

  async stop(): Promise<void> {
    this.client.destroy();
    await this.server?.close();
    await rm(this.dir, { recursive: true, force: true });
  }
}
