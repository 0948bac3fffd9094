/**
 * A local S3 server (s3rver) for the demo, `callqa process` without a configured endpoint, and tests.
 * Production uses MinIO (docker-compose.yml). s3rver keeps objects as files in `directory`.
 *
 * Known difference from MinIO: s3rver does not URL-encode listings, so keys containing `+` or `%` are
 * listed wrongly. Product code does not work around it; tests avoid such keys against s3rver.
 */
import S3rver from 's3rver';
import { mkdir } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import type { StorageConnection } from './object-storage.js';

/** A running local S3 server. */
export interface LocalS3 {
  connection: StorageConnection;
  /** Stops the server (the files stay in the directory). */
  close(): Promise<void>;
}

/**
 * Starts s3rver on 127.0.0.1.
 *
 * @param directory where objects are kept (created if missing)
 * @param port TCP port; 0 picks a free one
 */
export async function startLocalS3(directory: string, port = 0): Promise<LocalS3> {
  await mkdir(directory, { recursive: true });
  const server = new S3rver({ address: '127.0.0.1', port, directory, silent: true, resetOnClose: false });
  const address = (await server.run()) as AddressInfo;
  return {
    // s3rver's fixed development credentials.
    connection: {
      endpoint: `http://127.0.0.1:${address.port}`,
      region: 'us-east-1',
      accessKey: 'S3RVER',
      secretKey: 'S3RVER',
      pathStyle: true,
    },
    close: () => server.close(),
  };
}
