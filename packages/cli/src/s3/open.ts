import { createClient, S3Store } from './s3-store.js';
import { parseS3Env, parseTarget } from './target.js';

/** The target option every S3 command takes (`--to`, with `APICTL_TARGET` as default). */
export const targetOptions = { to: { type: 'string' } } as const;

/** Opens the release store `--to` names, configured from S3_ENDPOINT, S3_FORCE_PATH_STYLE, AWS_REGION. */
export function openStore(to: string | undefined, env: NodeJS.ProcessEnv = process.env): { store: S3Store; close: () => void } {
  const target = parseTarget(to ?? env.APICTL_TARGET);
  const client = createClient(parseS3Env(env));
  return { store: new S3Store(client, target), close: () => client.destroy() };
}
