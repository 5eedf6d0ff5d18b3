import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

/** One object the hostile server serves. */
export interface HostileObject {
  body: Buffer;
  /** Size the listing claims (default: the real size), to play a server that lies. */
  listedSize?: number;
}

/**
 * A tiny S3-compatible endpoint (path-style ListObjectsV2, GetObject, HeadObject)
 * serving a fixed, replaceable map of keys, including keys no sane store would
 * keep: `../x`, `/etc/passwd`, `a/%2e%2e/b`, a key holding a newline. s3rver
 * cannot serve these (it writes such keys outside its own directory, as measured),
 * so hostile-input tests use this instead. It honours `encoding-type=url` the way
 * AWS does (space as `+`), `If-None-Match`, prefixes and pagination (`pageSize`).
 */
export class HostileS3 {
  objects = new Map<string, HostileObject>();
  /** `METHOD key-or-?list` of every request, for assertions. */
  readonly requests: string[] = [];
  pageSize = 1000;

  private constructor(
    private readonly server: Server,
    readonly port: number,
    readonly bucket: string,
  ) {}

  static async start(bucket = 'hostile'): Promise<HostileS3> {
    let self: HostileS3 | undefined;
    const server = createServer((req, res) => self?.handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    self = new HostileS3(server, typeof address === 'object' && address ? address.port : 0, bucket);
    return self;
  }

  get endpoint(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Environment for s3-sync pointed at this server. */
  env(): Record<string, string> {
    return { S3_ENDPOINT: this.endpoint, S3_FORCE_PATH_STYLE: 'true', AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'HOSTILE', AWS_SECRET_ACCESS_KEY: 'HOSTILE' };
  }

  /** Replaces every object. */
  set(objects: Record<string, string | Buffer | HostileObject>): void {
    this.objects = new Map(
      Object.entries(objects).map(([key, value]) => [key, Buffer.isBuffer(value) || typeof value === 'string' ? { body: Buffer.from(value) } : value]),
    );
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const [, bucket = '', ...rest] = url.pathname.split('/');
    if (decodeURIComponent(bucket) !== this.bucket) return this.error(res, 404, 'NoSuchBucket', 'The specified bucket does not exist');
    if (rest.length === 0 || (rest.length === 1 && rest[0] === '')) {
      this.requests.push(`${req.method} ?list`);
      return this.list(url, res);
    }
    const key = decodeURIComponent(rest.join('/'));
    this.requests.push(`${req.method} ${key}`);
    const object = this.objects.get(key);
    if (!object) return this.error(res, 404, 'NoSuchKey', 'The specified key does not exist.');
    const etag = etagOf(object.body);
    if (req.headers['if-none-match'] === etag) {
      res.writeHead(304, { ETag: etag }).end();
      return;
    }
    res.writeHead(200, { ETag: etag, 'Content-Length': object.body.byteLength, 'Content-Type': 'application/octet-stream' });
    res.end(req.method === 'HEAD' ? undefined : object.body);
  }

  private list(url: URL, res: ServerResponse): void {
    const prefix = url.searchParams.get('prefix') ?? '';
    const encode = url.searchParams.get('encoding-type') === 'url';
    const after = url.searchParams.get('continuation-token') ?? '';
    const keys = [...this.objects.keys()].filter((k) => k.startsWith(prefix) && k > after).sort();
    const page = keys.slice(0, this.pageSize);
    const truncated = keys.length > page.length;
    const show = (key: string) => xml(encode ? encodeURIComponent(key).replace(/%2F/g, '/').replace(/%20/g, '+') : key);
    const contents = page
      .map((key) => {
        const object = this.objects.get(key)!;
        return `<Contents><Key>${show(key)}</Key><LastModified>2027-01-01T00:00:00.000Z</LastModified><ETag>${xml(etagOf(object.body))}</ETag><Size>${object.listedSize ?? object.body.byteLength}</Size><StorageClass>STANDARD</StorageClass></Contents>`;
      })
      .join('');
    const body =
      `<?xml version="1.0" encoding="UTF-8"?><ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">` +
      `<Name>${xml(this.bucket)}</Name><Prefix>${show(prefix)}</Prefix><KeyCount>${page.length}</KeyCount><MaxKeys>${this.pageSize}</MaxKeys>` +
      (encode ? '<EncodingType>url</EncodingType>' : '') +
      `<IsTruncated>${truncated}</IsTruncated>${truncated ? `<NextContinuationToken>${xml(page.at(-1) ?? '')}</NextContinuationToken>` : ''}${contents}</ListBucketResult>`;
    res.writeHead(200, { 'Content-Type': 'application/xml' }).end(body);
  }

  private error(res: ServerResponse, status: number, code: string, message: string): void {
    res
      .writeHead(status, { 'Content-Type': 'application/xml' })
      .end(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${xml(message)}</Message></Error>`);
  }
}

/** The ETag S3 gives a single-part upload: the quoted MD5 of the bytes. */
export function etagOf(body: Buffer): string {
  return `"${createHash('md5').update(body).digest('hex')}"`;
}

function xml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}
