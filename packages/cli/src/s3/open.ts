import { createS3Client, parseS3Env } from '@api-server/release';
import { S3Store } from './s3-store.js';
import { parseTarget } from './target.js';

/** The target option every S3 command takes (`--to`, with `APICTL_TARGET` as default). */
export const targetOptions = { to: { type: 'string' } } as const;

/** Opens the release store `--to` names, configured from S3_ENDPOINT, S3_FORCE_PATH_STYLE, AWS_REGION as s3-sync is. */
export async function openStore(to: string | undefined, env: NodeJS.ProcessEnv = process.env): Promise<{ store: S3Store; close: () => void }> {
  const target = parseTarget(to ?? env.APICTL_TARGET);
  const client = await createS3Client(parseS3Env(env));
  return { store: new S3Store(client, target), close: () => client.destroy() };
}
